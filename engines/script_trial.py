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
    "Cyrillic": 0.733, "Devanagari": 0.779, "Ethiopic": 0.0, "Georgian": 0.557, "Greek": 0.715,
    "Gujarati": 0.81, "Gurmukhi": 0.704, "Hangul": 0.329, "Hebrew": 0.471, "Kannada": 0.646, "Khmer": 0.603,
    "Lao": 0.663, "Malayalam": 0.623, "Myanmar": 0.533, "Oriya": 0.441, "Sinhala": 0.492, "Syriac": 0.563,
    "Tamil": 0.587, "Telugu": 0.832, "Thaana": 0.368, "Thai": 0.817, "Tibetan": 0.379,
    "Hebrew/yid": 0.394, "Lao/lao": 0.629,
}  # fmt: skip
# A reading's certainty: its characters' mean confidence to this power (module docstring).
LETTER_CONFIDENCE_POWER = 12
# Models of one language of a script that read a line after the script's model, as readers of their own
# ("Hebrew/yid", with a ceiling of their own): each reads its language more surely than the script's model
# on some lines (Yiddish spellings, small Lao).
LANGUAGE_MODELS: dict[str, tuple[str, ...]] = {"Hebrew": ("yid",), "Lao": ("lao",)}
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


def score(text: str, certainty: float, script: str) -> float:
    """A reading's score: its certainty x the share of its characters in `script`; 0 when the
    identifier places it in no language of the script."""
    if language_id.evidence(text, script) == 0.0:
        return 0.0
    return certainty * glyph_share(text, script)


def certainty(letter_confidence: float) -> float:
    """A reading's certainty, from its characters' mean confidence."""
    return letter_confidence**LETTER_CONFIDENCE_POWER


def margin(text: str, letter_confidence: float, reader: str) -> float:
    """How far a reading by `reader` (a script's model, or `readers`' other models) scores above that
    model's ceiling, as a share of the room above it: > 0 means the reading is evidence for the script."""
    return score_margin(score(text, certainty(letter_confidence), reader_script(reader)), reader)


def score_margin(value: float, reader: str, ceilings: dict[str, float] = CEILINGS) -> float:
    """`margin` of a reading's score, against `ceilings` (the calibration bench tries others)."""
    top = max(ceilings.get(reader, 1.0), MIN_CEILING)
    return (value - top) / (1.0 - top)


def named_script(margins: Iterable[tuple[str, float]]) -> str | None:
    """The script of the first margin of DECISIVE_MARGIN or more, else of the widest margin above 0;
    None when none is above 0. `margins` is consumed only up to a decisive one."""
    best, widest = None, 0.0
    for script, value in margins:
        if value >= DECISIVE_MARGIN:
            return script
        if value > widest:
            best, widest = script, value
    return best
