"""How long each export of the 18-page report takes, through the service.

Submits `redp5110_sampled.pdf` (from the repo's test data) once as it is (text layers where
sound) and once with `force_ocr=true`, waits for each job, then downloads every format
`--repeat` times and prints the fastest time and the size of each. The searchable PDF is
made when the job ends: its making is timed here too, in this process, from the job's pages.

Usage: `.venv/bin/python bench/exports.py` (starts and stops its own service; about 3 minutes).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.service import Service  # noqa: E402
from exports.formats import FORMATS  # noqa: E402
from exports.searchable_pdf import searchable_pdf  # noqa: E402

REPORT = ROOT / "tests" / "data" / "redp5110_sampled.pdf"


def finished_job(client: httpx.Client, content: bytes, **fields) -> tuple[dict, float]:
    """Submit and wait; the job and the seconds from POST to done."""
    start = time.perf_counter()
    response = client.post("/api/v1/ocr/", files={"file": (REPORT.name, content)}, data=fields)
    response.raise_for_status()
    job_id = response.json()["uuid"]
    while (job := client.get(f"/api/v1/ocr/{job_id}/").json())["status"] not in ("done", "failed"):
        time.sleep(0.2)
    if job["status"] != "done":
        raise RuntimeError(f"job failed: {job['error']}")
    return job, time.perf_counter() - start


def time_downloads(client: httpx.Client, job: dict, repeat: int) -> None:
    for name in FORMATS:
        best, size = float("inf"), 0
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(f"/api/v1/ocr/{job['uuid']}/download/", params={"format": name})
            response.raise_for_status()
            best, size = min(best, time.perf_counter() - start), len(response.content)
        print(f"  {name:5s} {best * 1000:8.1f} ms  {size / 1024:9.1f} KiB", flush=True)


def time_pdf_making(content: bytes, job: dict, dpi: int) -> None:
    start = time.perf_counter()
    searchable_pdf(content, job["pages"], dpi)
    print(f"  searchable PDF made at job end: {(time.perf_counter() - start) * 1000:.0f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8331)
    parser.add_argument("--redis-port", type=int, default=6431)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    content = REPORT.read_bytes()
    with tempfile.TemporaryDirectory() as state_dir:
        service = Service(args.port, args.redis_port, state_dir)
        try:
            service.wait_ready()
            with httpx.Client(base_url=service.url, timeout=600) as client:
                for label, fields in (("as is", {}), ("force_ocr", {"force_ocr": "true"})):
                    job, seconds = finished_job(client, content, **fields)
                    sources = [page["source"] for page in job["pages"]]
                    print(f"{REPORT.name}, {label}: {len(sources)} pages "
                          f"({sources.count('ocr')} OCRed) done in {seconds:.1f} s", flush=True)  # fmt: skip
                    time_downloads(client, job, args.repeat)
                    time_pdf_making(content, job, 200)
        finally:
            service.stop()


if __name__ == "__main__":
    main()
