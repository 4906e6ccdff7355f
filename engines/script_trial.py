"""Which script a line is in: every installed script model reads it, and the readings are scored so
that different models compare.

Tesseract's confidences do not compare across models: the Thai model reads Lao, Hebrew or Oriya
lines as Thai letters at 0.8-0.9 confidence, while the `lao` model reads Lao at 0.2-0.5. So a reading
scores its *certainty* x the share of its characters that are letters or marks of the model's script
(digits and stray punctuation are what a model makes of letters it does not know), 0 when the
language identifier cannot place it in any language of the script, and it counts only above its
model's *ceiling*: the highest score that model gave a line of another script in the calibration set
(`bench/script_trial.py`, on the tune split of `bench/language_set.py`: 630 texts in 56 languages,
Latin and Han among them, rendered at 24 and 32 px, read by every model).

A reading's certainty is its characters' mean confidence to the power LETTER_CONFIDENCE_POWER, not
Tesseract's line confidence: that one follows the least certain character of each word, so a small
line of Lao or Urdu read right scores 0-0.3 (the power spreads the characters' 0.9-1.0 over 0.3-1.0).
A page reading is scored the same way, from all its characters (`engines.router`).

The identifier has no answer for many short lines (an Assamese or Tigrinya line read right), so a script
model's reading it has no answer for is placed by its best guess, and measured against GUESS_CEILINGS: the
highest such score a model gave a line of another script (Latin lines read by the Cyrillic model are
guessed Serbian or Macedonian: 0.83, against 0.73 for the readings it answers for). A reading it answers
for is measured as before, against CEILINGS.

The readings are weighed in a fixed order of the models, and one DECISIVE_MARGIN above its ceiling
ends the trial: no later model reads the line, which saves most of the trial on a line in a script
Tesseract reads.
"""

from collections.abc import Iterable

from engines import language_id
from engines.languages import AUTO_SCRIPT_MODELS
from engines.scripts import glyph_share

# The highest score each trial reader gave a line in another script (`python -m bench.script_trial`).
CEILINGS: dict[str, float] = {
    "Arabic": 0.519, "Armenian": 0.676, "Bengali": 0.644, "Canadian_Aboriginal": 0.535, "Cherokee": 0.773,
    "Cyrillic": 0.733, "Devanagari": 0.779, "Ethiopic": 0.0, "Georgian": 0.557, "Greek": 0.715, "Gujarati": 0.81,
    "Gurmukhi": 0.704, "Hangul": 0.329, "Hebrew": 0.471, "Kannada": 0.646, "Khmer": 0.603, "Lao": 0.663,
    "Malayalam": 0.623, "Myanmar": 0.533, "Oriya": 0.441, "Sinhala": 0.492, "Syriac": 0.563, "Tamil": 0.587,
    "Telugu": 0.832, "Thaana": 0.368, "Thai": 0.817, "Tibetan": 0.379, "Arabic/urd": 0.503, "Hebrew/yid": 0.394,
    "Lao/lao": 0.629,
}  # fmt: skip
# The same for the readings the identifier had no answer for, scored with its best guess (0: it placed none of
# them): what the trial measures such a reading of a line against.
GUESS_CEILINGS: dict[str, float] = {
    "Arabic": 0.484, "Armenian": 0.0, "Bengali": 0.656, "Canadian_Aboriginal": 0.0, "Cherokee": 0.0,
    "Cyrillic": 0.834, "Devanagari": 0.731, "Ethiopic": 0.463, "Georgian": 0.0, "Greek": 0.0, "Gujarati": 0.0,
    "Gurmukhi": 0.0, "Hangul": 0.02, "Hebrew": 0.509, "Kannada": 0.0, "Khmer": 0.0, "Lao": 0.0, "Malayalam": 0.0,
    "Myanmar": 0.0, "Oriya": 0.0, "Sinhala": 0.0, "Syriac": 0.0, "Tamil": 0.0, "Telugu": 0.0, "Thaana": 0.0,
    "Thai": 0.0, "Tibetan": 0.416, "Arabic/urd": 0.0, "Hebrew/yid": 0.0, "Lao/lao": 0.0,
}  # fmt: skip
# A reading's certainty: its characters' mean confidence to this power (module docstring).
LETTER_CONFIDENCE_POWER = 12
# Models of one language of a script that read a line after the script's model, as readers of their own
# ("Hebrew/yid", with a ceiling of their own): each reads its language more surely than the script's model
# on some lines (Yiddish spellings, small Lao).
LANGUAGE_MODELS: dict[str, tuple[str, ...]] = {"Arabic": ("urd",), "Hebrew": ("yid",), "Lao": ("lao",)}
# No model's reading counts below this, whatever its ceiling (a model no impostor fooled in calibration).
MIN_CEILING = 0.3
# A reading this far above its ceiling names its script without the models after it.
DECISIVE_MARGIN = 0.5


def readers(script: str) -> list[str]:
    """The trial's readers of a script: its script model (named by the script), then LANGUAGE_MODELS."""
    return [script, *(f"{script}/{model}" for model in LANGUAGE_MODELS.get(script, ()))]


def reader_script(reader: str) -> str:
    return reader.split("/")[0]


def reader_model(reader: str) -> str:
    """The Tesseract model of a trial reader."""
    script, _, model = reader.partition("/")
    return model or AUTO_SCRIPT_MODELS[script]


def score(text: str, certainty: float, reader: str, best_guess: bool = False) -> float:
    """A reading's score: its certainty x the share of its characters in the reader's script; 0 when the
    identifier places it in no language of the script. With `best_guess`, a script model's reading the
    identifier has no answer for (short lines) is placed by its best guess; a language's own model's
    (`urd`) is not: its readings of other scripts look like its language."""
    script = reader_script(reader)
    if language_id.evidence(text, script, best_effort=best_guess and reader == script) == 0.0:
        return 0.0
    return certainty * glyph_share(text, script)


def certainty(letter_confidence: float) -> float:
    """A reading's certainty, from its characters' mean confidence."""
    return letter_confidence**LETTER_CONFIDENCE_POWER


def margin(text: str, letter_confidence: float, reader: str) -> float:
    """How far a reading by `reader` (a script's model, or `readers`' other models) scores above that
    model's ceiling, as a share of the room above it: > 0 means the reading is evidence for the script. A
    reading the identifier has no answer for is scored with its best guess, against GUESS_CEILINGS."""
    return weighed(text, letter_confidence, reader)[0]


def weighed(text: str, letter_confidence: float, reader: str) -> tuple[float, bool]:
    """A reading's `margin`, and whether it is legible: it scores above 0 by the identifier's own answer,
    not its guess (no model's reading of specks or of a fragment of a letter does; the guess places some)."""
    script = reader_script(reader)
    found = language_id.answer(text, script, best_effort=reader == script)
    value = certainty(letter_confidence) * glyph_share(text, script) if found else 0.0
    guessed = found is not None and found.guessed
    return score_margin(value, reader, GUESS_CEILINGS if guessed else CEILINGS), value > 0 and not guessed


def score_margin(value: float, reader: str, ceilings: dict[str, float] = CEILINGS) -> float:
    """`margin` of a reading's score, against `ceilings` (the calibration bench tries others)."""
    top = max(ceilings.get(reader, 1.0), MIN_CEILING)
    return (value - top) / (1.0 - top)


def named_script(margins: Iterable[tuple[str, float]]) -> str | None:
    """The script (or reader) of the first margin of DECISIVE_MARGIN or more, else of the widest margin
    above 0; None when none is above 0. `margins` is consumed only up to a decisive one."""
    best, widest = None, 0.0
    for script, value in margins:
        if value >= DECISIVE_MARGIN:
            return script
        if value > widest:
            best, widest = script, value
    return best
