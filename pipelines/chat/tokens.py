"""Words of a text as chat's search indexes them.

Tokens are Unicode word characters with their combining marks, NFKC-normalised and case-folded,
so any script is indexed; scripts written without spaces (Chinese, Japanese, Thai, ...) are
indexed as overlapping character pairs. Latin-script words lose common English suffixes and
Cyrillic ones common Russian endings (a light stemmer that leaves other languages' words mostly
whole).
"""

import re
import unicodedata

from bm25s import stopwords as bm25s_stopwords

BMP_END = 0x10000

QUESTION_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "much", "many", "does", "do"}
STOP_WORDS = frozenset(
    {*bm25s_stopwords.STOPWORDS_EN_PLUS, *QUESTION_WORDS}
    | {
        *bm25s_stopwords.STOPWORDS_GERMAN,
        *bm25s_stopwords.STOPWORDS_FRENCH,
        *bm25s_stopwords.STOPWORDS_SPANISH,
        *bm25s_stopwords.STOPWORDS_ITALIAN,
        *bm25s_stopwords.STOPWORDS_PORTUGUESE,
        *bm25s_stopwords.STOPWORDS_RUSSIAN,
    }
    # Foreign stop words that are English content words.
    - {"war", "also", "long", "come", "son", "grande", "ist"}
)


def _combining_marks() -> str:
    """A character class body for the BMP's combining marks, which `\\w` does not match."""
    marks = [chr(c) for c in range(BMP_END) if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")]
    return "".join(re.escape(mark) for mark in marks)


WORD = re.compile(rf"[\w{_combining_marks()}]+")
# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, kana, CJK ideographs.
UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
LATIN_WORD = re.compile(r"[a-z]+")
ENGLISH_SUFFIX = re.compile(r"(?:ies|sses|(?:(?<=[sxz])|(?<=ch)|(?<=sh))es|(?<![sui])s|ings?|ed|ly)$")
ENGLISH_REPLACEMENTS = {"ies": "y", "sses": "ss"}
CYRILLIC_WORD = re.compile(r"[а-яё]+")
RUSSIAN_ENDING = re.compile(
    r"(?:иями|ями|ами|ого|его|ому|ему|ыми|ими|ой|ей|ом|ем|ам|ям|ах|ях|ов|ев|ый|ий|ая|яя|ое|ее|ые|ие|ым|им|ых|их|ую|юю|"
    r"ть|ы|и|а|я|о|е|у|ю|ь)$"
)
DOUBLED_END = re.compile(r"([b-df-hj-np-tv-z])\1$")
MIN_STEM = 3


def stem(token: str) -> str:
    """A light stemmer: English suffixes (plurals, -ing, -ed, -ly, a final e) and Russian endings.

    Words of other languages pass through whole (Latin-script ones may lose an English-looking
    suffix on both sides alike, which is harmless); Snowball stemmers would need each page's
    language and a compiled dependency.
    """
    if CYRILLIC_WORD.fullmatch(token):
        return stem_russian(token.replace("ё", "е"))
    if not LATIN_WORD.fullmatch(token) or len(token) <= MIN_STEM:
        return token
    match = ENGLISH_SUFFIX.search(token)
    if match and match.start() >= MIN_STEM:
        token = token[: match.start()] + ENGLISH_REPLACEMENTS.get(match.group(), "")
        if match.group() in ("ing", "ings", "ed") and DOUBLED_END.search(token) and not token.endswith("ll"):
            token = token[:-1]
    return token[:-1] if token.endswith("e") and len(token) > MIN_STEM else token


def stem_russian(token: str) -> str:
    """Strip a Russian case or number ending from a Cyrillic word (оплата, оплаты, оплату → оплат)."""
    match = RUSSIAN_ENDING.search(token)
    return token[: match.start()] if match and match.start() >= MIN_STEM else token


def tokenize(text: str) -> list[str]:
    """Content tokens of `text`: case-folded, stop words left out, unspaced scripts as character pairs."""
    tokens = []
    for word in WORD.findall(unicodedata.normalize("NFKC", text).casefold()):
        if word in STOP_WORDS or word == "_":
            continue
        tokens.extend(_split_unspaced(word) if UNSPACED.search(word) else [stem(word)])
    return tokens


def _split_unspaced(word: str) -> list[str]:
    tokens = []
    for part in re.split(f"({UNSPACED.pattern})", word):
        if not part:
            continue
        if UNSPACED.fullmatch(part):
            tokens.extend([part] if len(part) == 1 else [part[i : i + 2] for i in range(len(part) - 1)])
        elif part not in STOP_WORDS:
            tokens.append(stem(part))
    return tokens
