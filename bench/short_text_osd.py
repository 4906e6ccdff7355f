"""Checks `language=auto`'s step for short text (`engines/router.py`): on the samples of bench/language_set.py
that Tesseract's OSD refuses (fewer than 25 characters it can classify), OSD is asked again from
SHORT_TEXT_OSD_CHARACTERS characters; the script it names (confidence PAGE_SCRIPT_CONFIDENCE or more) reads
the image, and the reading stands only in the script and decisive (`script_trial.DECISIVE_MARGIN` above its
model's ceiling).

Prints, for each size: how many samples OSD refused, on how many it then named a script the router reads
(and rightly), on how many the reading stood (and in the right script), the widest margin a wrongly named
reading got (it must stay under DECISIVE_MARGIN), and what the second OSD call cost.

    python -m bench.short_text_osd                        # the tune split, every font, 24 and 32 px
    python -m bench.short_text_osd --split heldout --sizes 24
"""

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.language_set import HELDOUT, TUNE, Options, samples  # noqa: E402
from engines import script_trial  # noqa: E402
from engines.languages import AUTO_SCRIPT_MODELS  # noqa: E402
from engines.router import PAGE_SCRIPT_CONFIDENCE, SHORT_TEXT_OSD_CHARACTERS, reading_margin, reading_stands  # noqa: E402
from engines.tesseract_cpu import TesseractEngine  # noqa: E402


def check_size(tesseract: TesseractEngine, split: str, size: int) -> str:
    counts: Counter[str] = Counter()
    wrong_margin, osd_seconds = float("-inf"), 0.0
    options = Options(sizes=(size,), layouts=("line", "paragraph"))
    for sample in samples(split, None, options):
        image = sample.image()
        if tesseract.orientation_and_script(image) is not None:
            continue
        counts["refused"] += 1
        start = time.perf_counter()
        osd = tesseract.orientation_and_script(image, characters=SHORT_TEXT_OSD_CHARACTERS)
        osd_seconds += time.perf_counter() - start
        if osd is None or osd.script_confidence < PAGE_SCRIPT_CONFIDENCE or osd.script not in AUTO_SCRIPT_MODELS:
            continue
        right = osd.script == sample.script
        counts["named"] += 1
        counts["named right"] += right
        page = tesseract.recognize(image, AUTO_SCRIPT_MODELS[osd.script], letters=True)
        if not right:
            wrong_margin = max(wrong_margin, reading_margin(page, osd.script))
        if reading_stands(page, osd.script, decisive=True):
            counts["stood"] += 1
            counts["stood right"] += right
    mean_osd = osd_seconds / max(1, counts["refused"])
    return (
        f"{size} px: refused {counts['refused']}, named {counts['named']} ({counts['named right']} right), "
        f"stood {counts['stood']} ({counts['stood right']} right); widest margin of a wrongly named reading "
        f"{wrong_margin:.3f} (must stay under {script_trial.DECISIVE_MARGIN}); "
        f"OSD from {SHORT_TEXT_OSD_CHARACTERS} characters {mean_osd * 1000:.1f} ms a refused sample"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=[TUNE, HELDOUT], default=TUNE)
    parser.add_argument("--sizes", type=int, nargs="+", default=[24, 32])
    args = parser.parse_args()
    tesseract = TesseractEngine()
    for size in args.sizes:
        print(check_size(tesseract, args.split, size), flush=True)


if __name__ == "__main__":
    main()
