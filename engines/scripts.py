"""The script of recognised text, from Unicode character names: which engine should read a
line, and which language (or script) a page is in. Standard library only, so that text-layer
pages can say their language without loading an OCR engine."""

import functools
import string
import unicodedata
from collections import Counter

from engines.types import Block

# Unicode character-name prefixes -> script (as the table and Tesseract's script models name them).
_NAME_PREFIX_SCRIPTS = {
    "LATIN": "Latin", "CYRILLIC": "Cyrillic", "GREEK": "Greek", "ARABIC": "Arabic", "HEBREW": "Hebrew",
    "DEVANAGARI": "Devanagari", "BENGALI": "Bengali", "GURMUKHI": "Gurmukhi", "GUJARATI": "Gujarati",
    "ORIYA": "Oriya", "TAMIL": "Tamil", "TELUGU": "Telugu", "KANNADA": "Kannada", "MALAYALAM": "Malayalam",
    "SINHALA": "Sinhala", "THAI": "Thai", "LAO": "Lao", "KHMER": "Khmer", "MYANMAR": "Myanmar",
    "TIBETAN": "Tibetan", "GEORGIAN": "Georgian", "ARMENIAN": "Armenian", "ETHIOPIC": "Ethiopic",
    "HANGUL": "Hangul", "SYRIAC": "Syriac", "THAANA": "Thaana", "CANADIAN SYLLABICS": "Canadian_Aboriginal",
    "CHEROKEE": "Cherokee", "CJK": "Han", "HIRAGANA": "Japanese", "KATAKANA": "Japanese",
}  # fmt: skip
# Scripts that name one language of the table (for PageResult.language under auto).
_SCRIPT_LANGUAGE = {
    "Greek": "el", "Hangul": "ko", "Thai": "th", "Hebrew": "he", "Georgian": "ka", "Armenian": "hy",
    "Han": "ch", "Japanese": "ja", "Lao": "lo", "Khmer": "km", "Myanmar": "my", "Sinhala": "si",
    "Tamil": "ta", "Telugu": "te", "Kannada": "kn", "Malayalam": "ml", "Gujarati": "gu", "Gurmukhi": "pa",
    "Oriya": "or", "Thaana": "dv", "Syriac": "syr", "Cherokee": "chr", "Canadian_Aboriginal": "iu",
}  # fmt: skip


_DROP_ASCII_LETTERS = str.maketrans("", "", string.ascii_letters)
_DROP_ASCII = str.maketrans("", "", "".join(map(chr, range(128))))


@functools.cache
def glyph_script(char: str) -> str | None:
    """The script of a letter or of a combining mark (a vowel sign, a tone mark); None otherwise."""
    if not unicodedata.category(char).startswith(("L", "M")):
        return None
    name = unicodedata.name(char, "")
    return next((script for prefix, script in _NAME_PREFIX_SCRIPTS.items() if name.startswith(prefix)), None)


def script_of(char: str) -> str | None:
    """The script of a letter, None for marks, digits, punctuation and unknown characters."""
    return glyph_script(char) if char.isalpha() else None


def glyph_share(text: str, script: str) -> float:
    """Share of the non-space characters of `text` that are letters or marks of `script`: digits and
    punctuation count against it (what a model of the wrong script makes of foreign letters)."""
    glyphs = [char for char in text if not char.isspace()]
    return sum(glyph_script(char) == script for char in glyphs) / len(glyphs) if glyphs else 0.0


def script_share(text: str, script: str) -> float:
    """Share of the letters of `text` in `script` (0 when there are none)."""
    scripts = [script_of(char) for char in text if char.isalpha()]
    return scripts.count(script) / len(scripts) if scripts else 0.0


def detected_language(blocks: list[Block]) -> str | None:
    """The language code when the dominant script has one language, else the script's name."""
    text = "".join(block.text for block in blocks)
    scripts = Counter()
    # ASCII letters are counted in C: most text layers are mostly or only ASCII.
    if ascii_letters := len(text) - len(text.translate(_DROP_ASCII_LETTERS)):
        scripts["Latin"] = ascii_letters
    if not text.isascii():
        scripts.update(script for char in text.translate(_DROP_ASCII) if (script := script_of(char)))
    if not scripts:
        return None
    if scripts["Japanese"] and scripts["Han"] + scripts["Japanese"] >= sum(scripts.values()) / 2:
        return "ja"
    script = scripts.most_common(1)[0][0]
    return _SCRIPT_LANGUAGE.get(script, script)
