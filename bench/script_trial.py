"""Calibrates the script trial (`engines/script_trial.py`): every installed script model (and each of
`script_trial.LANGUAGE_MODELS`) reads every one-line sample of bench/language_set.py's tune split (all fonts,
24 and 32 px, clean and scanned), and each model's ceiling is the highest score it gave a line in another
script (Latin and Han lines included): CEILINGS, and GUESS_CEILINGS for the readings the identifier has no
answer for, scored with its best guess.
Prints both tables, and how well the trial names the script of a line of each size when the ceilings come
from one half of the texts and the lines from the other (cross-validated: right, wrong, none).

    python -m bench.script_trial --reads /tmp/reads.jsonl            # read, then calibrate
    python -m bench.script_trial --reads /tmp/reads.jsonl --no-read  # calibrate saved readings
"""

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.language_set import Options, samples  # noqa: E402
from engines import script_trial  # noqa: E402
from engines.languages import AUTO_SCRIPT_MODELS  # noqa: E402
from engines.tesseract_cpu import TesseractEngine  # noqa: E402

PADDLE_SCRIPTS = ("Latin", "Han", "Japanese")
SIZES = (24, 32)


def read_all(out: Path) -> None:
    """One JSON line a sample: its script and each trial reader's reading (text, Tesseract's confidence,
    its characters' mean confidence) or None."""
    tesseract = TesseractEngine()
    scripts = [script for script, model in AUTO_SCRIPT_MODELS.items() if tesseract.has_model(model)]
    readers = [reader for script in scripts for reader in script_trial.readers(script)]
    with out.open("w", encoding="utf-8") as file:
        for sample in samples("tune", None, Options(fonts=None, sizes=SIZES, layouts=("line",))):
            image = sample.image()
            reads = {}
            for reader in readers:
                read = tesseract.read_line(image, script_trial.reader_model(reader))
                reads[reader] = read and {"text": read.text, "conf": read.confidence, "letters": read.letter_confidence}
            record = {"id": sample.id, "script": sample.script, "size": sample.size, "reads": reads}
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
            print(sample.id, file=sys.stderr, flush=True)


def scored(rows: list[dict]) -> list[dict]:
    """Each reading's score (`script_trial.score`), and for a reading the identifier has no answer for
    (a score of 0) its score with the identifier's best guess."""
    for row in rows:
        row["scores"], row["guess_scores"] = {}, {}
        for reader, read in row["reads"].items():
            if read:
                certainty = script_trial.certainty(read["letters"])
                row["scores"][reader] = script_trial.score(read["text"], certainty, reader)
                unanswered = row["scores"][reader] == 0
                row["guess_scores"][reader] = unanswered and script_trial.score(read["text"], certainty, reader, True)
    return rows


def ceilings(rows: list[dict], key: str = "scores") -> dict[str, float]:
    found: dict[str, float] = {}
    for row in rows:
        for reader, value in row[key].items():
            if script_trial.reader_script(reader) != row["script"]:
                found[reader] = max(found.get(reader, 0.0), value)
    return {script: math.ceil(value * 1000) / 1000 for script, value in sorted(found.items())}


def named(row: dict, tables: tuple[dict[str, float], dict[str, float]]) -> str | None:
    """The trial's script for a line, its models taken in the order they were read (the engine's), each
    reading measured as `script_trial.margin` measures it."""
    answered, guessed = tables

    def margin(reader: str, value: float) -> float:
        if value > 0:
            return script_trial.score_margin(value, reader, answered)
        return script_trial.score_margin(row["guess_scores"][reader], reader, guessed)

    reader = script_trial.named_script((reader, margin(reader, value)) for reader, value in row["scores"].items())
    return script_trial.reader_script(reader) if reader else None


def cross_validate(rows: list[dict], tested: list[dict]) -> str:
    """The trial on `tested` with ceilings from `rows` of the other half of the texts."""
    counts: Counter[str] = Counter()
    for fit, test in (("-t1-", "-t2-"), ("-t2-", "-t1-")):
        fitted = [row for row in rows if fit in row["id"]]
        tables = (ceilings(fitted), ceilings(fitted, "guess_scores"))
        for row in (row for row in tested if test in row["id"]):
            script = named(row, tables)
            if row["script"] in PADDLE_SCRIPTS:
                counts["paddle-script lines named another script" if script else "paddle-script lines left"] += 1
            else:
                counts["right" if script == row["script"] else "none" if script is None else "wrong"] += 1
    return ", ".join(f"{key}: {value}" for key, value in counts.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=Path, required=True, help="JSONL of every model's readings")
    parser.add_argument("--no-read", dest="read", action="store_false", help="use the saved readings")
    args = parser.parse_args()
    if args.read:
        read_all(args.reads)
    rows = scored([json.loads(line) for line in args.reads.read_text(encoding="utf-8").splitlines()])
    for size in SIZES:
        tested = [row for row in rows if row["size"] == size]
        print(f"{len(tested)} lines at {size} px; cross-validated (ceilings from one half of the texts):")
        print("  ", cross_validate(rows, tested))
    print("CEILINGS =", json.dumps(ceilings(rows)))
    print("GUESS_CEILINGS =", json.dumps(ceilings(rows, "guess_scores")))


if __name__ == "__main__":
    main()
