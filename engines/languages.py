"""Languages the CPU tier accepts. The PP-OCRv6 small model reads Chinese, Japanese and
Latin-script text (measured exact on en, de, fr, zh, ja); other scripts need other engines."""

LATIN = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "la": "Latin",
    "sv": "Swedish",
    "da": "Danish",
    "no": "Norwegian",
    "fi": "Finnish",
    "pl": "Polish",
    "cs": "Czech",
    "ro": "Romanian",
}
CJK = {
    "ch": "Chinese (simplified)",
    "zh": "Chinese (simplified)",
    "chinese_cht": "Chinese (traditional)",
    "ja": "Japanese",
}
LANGUAGES = {"auto": "Detect automatically", **LATIN, **CJK}


def normalize_language(code: str) -> str:
    """The canonical code for `code`, or ValueError with a message for the user."""
    key = code.strip().lower()
    if key not in LANGUAGES:
        raise ValueError(f"Unsupported language {code!r}. Supported: {', '.join(sorted(LANGUAGES))}.")
    return key
