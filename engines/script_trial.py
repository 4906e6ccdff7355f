"""Which script a line is in: every installed script model reads it, and the readings are scored so
that different models compare.

Tesseract's confidences do not compare across models: the Thai model reads Lao, Hebrew or Oriya
lines as Thai letters at 0.8-0.9 confidence, while the `lao` model reads Lao at 0.2-0.5. So a reading
scores its confidence x the share of its characters that are letters or marks of the model's script
(digits and stray punctuation are what a model makes of letters it does not know), 0 when the
language identifier cannot place it in any language of the script, and it counts only above its
model's *ceiling*: the highest score that model gave a line of another script in the calibration set
(`bench/script_trial.py`, on the tune split of `bench/language_set.py`: 630 rendered lines in 56
languages, Latin and Han among them, read by every model).

The readings are weighed in a fixed order of the models, and one DECISIVE_MARGIN above its ceiling
ends the trial: no later model reads the line, which saves most of the trial on a line in a script
Tesseract reads.
"""

from collections.abc import Iterable

from engines import language_id
from engines.languages import AUTO_SCRIPT_MODELS
from engines.scripts import glyph_share

# The highest score each script model gave a line in another script (`python -m bench.script_trial`).
CEILINGS: dict[str, float] = {
    "Arabic": 0.593, "Armenian": 0.585, "Bengali": 0.511, "Canadian_Aboriginal": 0.527, "Cherokee": 0.651,
    "Cyrillic": 0.644, "Devanagari": 0.661, "Ethiopic": 0.0, "Georgian": 0.402, "Greek": 0.629,
    "Gujarati": 0.729, "Gurmukhi": 0.64, "Hangul": 0.32, "Hebrew": 0.536, "Kannada": 0.504, "Khmer": 0.377,
    "Lao": 0.277, "Malayalam": 0.494, "Myanmar": 0.47, "Oriya": 0.271, "Sinhala": 0.434, "Syriac": 0.648,
    "Tamil": 0.411, "Telugu": 0.764, "Thaana": 0.467, "Thai": 0.869, "Tibetan": 0.27,
    "Hebrew/yid": 0.667, "Lao/lao": 0.51,
}  # fmt: skip
# Models of one language of a script that read a line after the script's model, as readers of their own
# ("Hebrew/yid", with a ceiling of their own): `heb` reads Yiddish text right at confidence 0.0 where `yid`
# reads it at 0.9; the Lao script model names more Lao lines than `lao` (its ceiling is lower), but not all.
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


def score(text: str, confidence: float, script: str) -> float:
    """A reading's score: its confidence x the share of its characters in `script`; 0 when the
    identifier places it in no language of the script."""
    if language_id.evidence(text, script) == 0.0:
        return 0.0
    return confidence * glyph_share(text, script)


def margin(text: str, confidence: float, reader: str) -> float:
    """How far a reading by `reader` (a script's model, or `readers`' other models) scores above that
    model's ceiling, as a share of the room above it: > 0 means the reading is evidence for the script."""
    return score_margin(score(text, confidence, reader_script(reader)), reader)


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
