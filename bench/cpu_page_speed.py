"""Seconds per 300-dpi page, the bare engine vs a 1-page request end to end through the API, and
CER on `../shared/corpus/tesseract_testing`, in one run, alternated.

Usage: start the service (`make run`), then `.venv/bin/python bench/cpu_page_speed.py`.
The bare engine is the one a CPU-OCR replica runs (`engines.page_reader.cpu_reader`: the
language router with `language=auto`, then the layout and table models), here on `--threads`
ONNX Runtime threads (2: its fastest on this machine), while the service is idle, so the two
never compete for the cores.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.page_reader_env import run_as_page_reader  # noqa: E402
from configs.settings import get_settings  # noqa: E402
from engines.page_reader import cpu_reader  # noqa: E402
from pipelines.jobs.record import page_record  # noqa: E402
from tests.scoring import bag_of_words_f1, cer  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "tesseract_testing"
PAGES = ["8071_093.3B", "8087_054.3B", "phototest"]  # the two 300-dpi magazine scans, phototest


def main() -> None:
    run_as_page_reader()
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    settings = get_settings()
    engine = cpu_reader(settings.model_cache_dir, args.threads, settings.det_limit_side_len, settings.cpu_profile)
    print(f"{'page':<14}{'pixels':>12}{'engine s':>10}{'API s':>8}{'API/eng':>9}{'CER':>8}{'BoW F1':>8}")
    with httpx.Client(base_url=args.url, timeout=600) as client:
        for name in PAGES:
            path = CORPUS / "images" / f"{name}.tif"
            image = np.asarray(Image.open(path).convert("RGB"))
            engine_times, api_times = [], []
            for _ in range(args.repeat):
                start = time.perf_counter()
                result = engine.recognize(image, "auto")
                engine_times.append(time.perf_counter() - start)
                start = time.perf_counter()
                job = client.post("/api/v1/ocr/", files={"file": (path.name, path.read_bytes())}).raise_for_status()
                api_times.append(time.perf_counter() - start)
            truth = (CORPUS / "gt" / f"{name}.txt").read_text()
            api_text, engine_text = job.json()["text"], page_record(0, result, "ocr")["text"]
            if api_text != engine_text:
                print(f"{name}: the API's text differs from the bare engine's (CER {cer(api_text, engine_text):.4f})")
            eng, api = statistics.median(engine_times), statistics.median(api_times)
            print(
                f"{name:<14}{f'{image.shape[1]}x{image.shape[0]}':>12}{eng:>10.2f}{api:>8.2f}{api / eng:>9.2f}"
                f"{cer(api_text, truth):>8.4f}{bag_of_words_f1(api_text, truth):>8.4f}"
            )


if __name__ == "__main__":
    main()
