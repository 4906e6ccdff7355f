"""The language of recognised text: Compact Language Detector 2 (`pycld2`, its tables inside the wheel;
every language of our table, no download, microseconds a call).

It names a page's language (`pages[].language`), a block's that differs from its page's, and judges
whether a re-read in another script or a PDF text layer is text of a real language. Only its reliable
answers count, and only on enough letters: short cells and OCR noise get no answer. For a script only
one language uses (Thai, Tamil, Syriac...) CLD2 answers from the script alone, which is no evidence
that the text is that language rather than garbage in its letters.
"""

import re
from dataclasses import dataclass

import pycld2

from engines.languages import LANGUAGES, normalize_language

# Fewer letters than this: no answer (a block's own language needs STRICT_MIN_LETTERS).
MIN_LETTERS = 4
STRICT_MIN_LETTERS = 20
# CLD2 reads this many characters of a text at most: enough to place a page, and its time is linear.
MAX_CHARS = 1500
# CLD2's code for text it cannot place.
UNKNOWN = "un"
# CLD2's score for text it placed by its script alone.
SCRIPT_ONLY_SCORE = 1024.0
# CLD2 raises on control characters and lone surrogates.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# CLD2's codes that the table spells otherwise (the table's aliases cover the rest).
_RENAMED = {"iw": "he", "zh-Hant": "chinese_cht", "sh": "hr", "ckb": "ku"}
_SAME_SCRIPTS = {"Han": {"Han", "Japanese"}, "Japanese": {"Han", "Japanese"}}


@dataclass(frozen=True)
class Answer:
    code: str  # the table's code
    reliable: bool
    by_script_only: bool
    guessed: bool = False  # CLD2's best guess where it had no answer (`answer`'s `best_effort`)


def _table_code(code: str) -> str | None:
    try:
        return normalize_language(_RENAMED.get(code, code))
    except ValueError:
        return None


def _in_script(code: str, script: str) -> str | None:
    """The table's code of `code` written in `script`: Serbian, Azerbaijani and Uzbek come in two scripts."""
    for candidate in (code, f"{code}_latn", f"{code}_cyrl"):
        entry = LANGUAGES.get(candidate)
        if entry and entry.script in _SAME_SCRIPTS.get(script, {script}):
            return candidate
    return None


def _has_letters(text: str, count: int) -> bool:
    """Whether `text` holds at least `count` letters; stops counting there (a page's text is long)."""
    found = 0
    for char in text:
        if char.isalpha():
            found += 1
            if found >= count:
                return True
    return False


def answer(text: str, script: str | None = None, best_effort: bool = False) -> Answer | None:
    """CLD2's top answer for `text` as a table language (written in `script`, if given), or None.
    `best_effort`: where CLD2 has no answer (short text), its best guess, as an unreliable answer."""
    if not _has_letters(text, MIN_LETTERS):
        return None
    safe = _UNSAFE.sub(" ", text[:MAX_CHARS])
    try:
        reliable, _, details = pycld2.detect(safe, isPlainText=True)
        guessed = best_effort and details[0][1] == UNKNOWN
        if guessed:
            reliable, details = False, pycld2.detect(safe, isPlainText=True, bestEffort=True)[2]
    except pycld2.error:
        return None
    _, cld_code, _, score = details[0]
    code = _table_code(cld_code)
    if code and script:
        code = _in_script(code, script)
    return Answer(code, reliable, score == SCRIPT_ONLY_SCORE, guessed) if code else None


def language_of(text: str, script: str | None = None, strict: bool = False) -> str | None:
    """The table code of `text`'s language when CLD2 is sure of it, else None. `strict`: on a block's
    few words, only with STRICT_MIN_LETTERS letters."""
    if strict and not _has_letters(text, STRICT_MIN_LETTERS):
        return None
    found = answer(text, script)
    return found.code if found and found.reliable else None


def evidence(text: str, script: str, best_effort: bool = False) -> float:
    """How much `text` looks like a language written in `script`: 1 for a sure answer from its words,
    0.5 for an answer from its letters' script alone or an unsure one (`best_effort`: CLD2's guess
    where it has no answer), 0 for none."""
    found = answer(text, script, best_effort)
    if found is None:
        return 0.0
    return 1.0 if found.reliable and not found.by_script_only else 0.5
