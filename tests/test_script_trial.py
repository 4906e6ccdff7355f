"""The script trial's scores compare readings of different models: a model's reading of another
script (what the Thai model makes of Oriya or Lao) stays under its ceiling, a reading of its own
script is above it. The readings and their letters' mean confidences are Tesseract's, taken from the
calibration run. A reading far above its ceiling ends the trial, and names the script the whole trial
names."""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from engines import language_id, script_evidence, script_trial
from engines.languages import AUTO_SCRIPT_MODELS
from engines.tesseract_cpu import TesseractEngine
from engines.types import Block

LINES = Path(__file__).parent / "data" / "script_lines"


def test_the_thai_models_reading_of_oriya_is_no_evidence_of_thai() -> None:
    assert script_trial.margin("ฆคศคูสฯ๑คูดเคดสูเขาคเ", 0.978, "Thai") < 0


def test_the_thai_models_reading_of_lao_is_no_evidence_of_thai() -> None:
    assert script_trial.margin("มะบูถฑูภถัมเภิดมจมิทชดสักสิและสิดขิเขิจตรฐมภัม.", 0.983, "Thai") < 0


def test_a_confident_thai_reading_is_evidence_of_thai() -> None:
    assert script_trial.margin("มนุษย์ทั้งหลายเกิดมามีอิสระและเสมอภาคกัน", 0.992, "Thai") > 0


def test_a_small_lao_line_read_well_is_evidence_of_lao() -> None:
    # `lao`'s reading of a 24-px line; Tesseract's confidence for it is 0.33 (one word: Lao has no spaces).
    assert script_trial.margin("ຕະທຼາດເຊົ້າເປີດທຸກວັນແຕ່ເງັດໃມງເຊົ້າ.", 0.977, "Lao/lao") > 0.2


def test_digits_and_punctuation_count_against_a_script() -> None:
    garbage = "| שחו ה) 44 ול 9914 יפ לי"
    letters = "כל בני האדם נולדו בני חורין"
    assert script_trial.score(garbage, 0.97, "Hebrew") < 0.6 < script_trial.score(letters, 0.9, "Hebrew")


def test_a_weak_model_is_compared_on_its_own_ceiling() -> None:
    # The Oriya model's reading at 0.97 is evidence; the Thai model's at 0.97 is not.
    assert script_trial.margin("ସବୁ ମନୁଷ୍ୟ ଜନ୍ମକାଳରୁ ସ୍ୱାଧୀନ", 0.97, "Oriya") > 0
    assert script_trial.margin("มนุษย์ทั้งหลายเกิดมามีอิสระ", 0.97, "Thai") < 0


def test_text_in_no_language_of_the_script_scores_nothing() -> None:
    assert script_trial.score("1234 5678", 0.99, "Cyrillic") == 0.0


def test_a_script_models_reading_of_a_short_line_counts_by_the_identifiers_best_guess() -> None:
    # The Arabic model's reading of a 24-px Nastaliq line: CLD2 has no answer for it, its best guess is Urdu.
    reading = "لاور سآ م خوشوار ےکا"
    assert language_id.evidence(reading, "Arabic") == 0.0
    assert script_trial.score(reading, 0.9, "Arabic") == 0.0
    assert script_trial.score(reading, 0.9, "Arabic", best_guess=True) > 0.4


def test_a_language_models_reading_needs_the_identifiers_answer() -> None:
    # `urd`'s reading of a Yoruba line: Urdu-looking letters that CLD2's best guess places in Urdu.
    garbage = "بحصنصنصصۂ نص ئط جح تھ صفرنھڈ مطیچەطہ"
    assert language_id.evidence(garbage, "Arabic", best_effort=True) > 0
    assert script_trial.score(garbage, 0.957, "Arabic/urd", best_guess=True) == 0.0


def _margins_until(decisive_at: int) -> Iterator[tuple[str, float]]:
    yield from [("Thai", -0.2), ("Oriya", 0.1), ("Lao", 0.3)][:decisive_at]
    yield "Gujarati", script_trial.DECISIVE_MARGIN
    raise AssertionError("a model was read after a decisive reading")


def test_a_decisive_reading_ends_the_trial() -> None:
    assert script_trial.named_script(_margins_until(decisive_at=3)) == "Gujarati"


def test_without_a_decisive_reading_the_widest_margin_names_the_script() -> None:
    assert script_trial.named_script([("Thai", -0.2), ("Oriya", 0.1), ("Lao", 0.3), ("Tamil", 0.2)]) == "Lao"
    assert script_trial.named_script([("Thai", -0.2), ("Lao", 0.0)]) is None


class CountingTesseract(TesseractEngine):
    """The real engine, counting the models the trial reads a line with."""

    def __init__(self) -> None:
        super().__init__()
        self.models_read: list[str] = []

    def read_line(self, image: np.ndarray, model: str) -> Block | None:
        self.models_read.append(model)
        return super().read_line(image, model)


def test_the_trial_names_a_lines_script_without_reading_it_with_every_model(monkeypatch) -> None:
    image = np.asarray(Image.open(LINES / "rendered_gu.png").convert("RGB"))
    line = Block(text="", bbox=[0.0, 0.0, float(image.shape[1]), float(image.shape[0])], confidence=0.0)
    tesseract = CountingTesseract()
    scripts = [script for script, model in AUTO_SCRIPT_MODELS.items() if tesseract.has_model(model)]
    assert script_evidence.ScriptEvidence(tesseract, scripts).trial(image, [line]) == "Gujarati"
    early_reads = len(tesseract.models_read)
    monkeypatch.setattr(script_trial, "DECISIVE_MARGIN", float("inf"))  # every model reads the line
    tesseract.models_read.clear()
    assert script_evidence.ScriptEvidence(tesseract, scripts).trial(image, [line]) == "Gujarati"
    readers = [reader for script in scripts for reader in script_trial.readers(script)]
    assert len(tesseract.models_read) == len(readers) > early_reads
    assert "yid" in tesseract.models_read  # Yiddish's own model reads after the Hebrew script's
    assert "urd" in tesseract.models_read  # and Urdu's after the Arabic script's


def test_a_trial_that_names_nothing_on_the_widest_line_tries_the_next_one() -> None:
    line = np.asarray(Image.open(LINES / "rendered_gu.png").convert("RGB"))
    height, width = line.shape[:2]
    # On the right, clear of the line (a crop takes a margin around its box), a wider box of specks of dust
    # that every model reads as nothing or as no text of its script. (On blank paper, some models make up
    # letters of their script.)
    specks = np.random.default_rng(0).random((height, 2 * width)) < 0.01
    dust = np.where(specks[..., None], 0, 255).repeat(3, axis=2).astype(np.uint8)
    image = np.concatenate([line, np.full_like(line, 255), dust], axis=1)
    blank = Block(text="", bbox=[float(2 * width), 0.0, float(4 * width), float(height)], confidence=0.0)
    text = Block(text="", bbox=[0.0, 0.0, float(width), float(height)], confidence=0.0)
    tesseract = TesseractEngine()
    scripts = [script for script, model in AUTO_SCRIPT_MODELS.items() if tesseract.has_model(model)]
    assert script_evidence.ScriptEvidence(tesseract, scripts).trial(image, [blank, text]) is None
    assert script_evidence.ScriptEvidence(tesseract, scripts).trial(image, [blank, text], tries=2) == "Gujarati"


def test_past_unnamed_a_trial_goes_on_from_a_line_it_names_no_script_on() -> None:
    # A wider Latin line beside a Gujarati one: script models read the Latin line as something, under
    # their ceilings, so the trial stops there unless told to go past lines it names no script on.
    latin = np.asarray(Image.open(LINES / "latin.jpg").convert("RGB"))
    gujarati = np.asarray(Image.open(LINES / "rendered_gu.png").convert("RGB"))
    height = max(latin.shape[0], gujarati.shape[0])
    rows = [
        np.pad(crop, ((0, height - crop.shape[0]), (0, 0), (0, 0)), constant_values=255) for crop in (latin, gujarati)
    ]
    gap = np.full((height, 40, 3), 255, dtype=np.uint8)
    image = np.concatenate([rows[0], gap, rows[1]], axis=1)
    left = float(latin.shape[1] + gap.shape[1])
    lines = [
        Block(text="", bbox=[0.0, 0.0, float(latin.shape[1]), float(latin.shape[0])], confidence=0.0),
        Block(text="", bbox=[left, 0.0, left + gujarati.shape[1], float(gujarati.shape[0])], confidence=0.0),
    ]
    tesseract = TesseractEngine()
    scripts = [script for script, model in AUTO_SCRIPT_MODELS.items() if tesseract.has_model(model)]
    assert script_evidence.ScriptEvidence(tesseract, scripts).trial(image, lines, tries=2) is None
    trial = script_evidence.ScriptEvidence(tesseract, scripts).trial(image, lines, tries=2, past_unnamed=True)
    assert trial == "Gujarati"
