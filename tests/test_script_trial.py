"""The script trial's scores compare readings of different models: a model's reading of another
script (what the Thai model makes of Oriya or Lao) stays under its ceiling, a reading of its own
script is above it. The readings are Tesseract's, taken from the calibration run."""

from engines import script_trial


def test_the_thai_models_reading_of_oriya_is_no_evidence_of_thai() -> None:
    assert script_trial.margin("สฮคูศคูตฯ๑ค๑เคด๑สดูเขเค!", 0.78, "Thai") < 0


def test_a_confident_thai_reading_is_evidence_of_thai() -> None:
    assert script_trial.margin("มนุษย์ทั้งหลายเกิดมามีอิสระและเสมอภาคกัน", 0.94, "Thai") > 0


def test_digits_and_punctuation_count_against_a_script() -> None:
    garbage = "| שחו ה) 44 ול 9914 יפ לי"
    letters = "כל בני האדם נולדו בני חורין"
    assert script_trial.score(garbage, 0.97, "Hebrew") < 0.6 < script_trial.score(letters, 0.9, "Hebrew")


def test_a_weak_model_is_compared_on_its_own_ceiling() -> None:
    # The Oriya model's reading at 0.8 is evidence; the Thai model's at 0.8 is not.
    assert script_trial.margin("ସବୁ ମନୁଷ୍ୟ ଜନ୍ମକାଳରୁ ସ୍ୱାଧୀନ", 0.8, "Oriya") > 0
    assert script_trial.margin("มนุษย์ทั้งหลายเกิดมามีอิสระ", 0.8, "Thai") < 0


def test_text_in_no_language_of_the_script_scores_nothing() -> None:
    assert script_trial.score("1234 5678", 0.99, "Cyrillic") == 0.0
