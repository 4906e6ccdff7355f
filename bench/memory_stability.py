"""Memory over a long run: 500 small jobs in a row, the RSS of each service process after
job 1, 100, 300 and 500 (it should level off, not climb with the job count).

Each job is the test image `tests/data/phototest.tif` (one page, OCR). The processes are
named by their Ray title (`ray::ServeReplica:ocrchat:CpuOcr`, ...); "all" is the summed RSS
of every process the service started (Ray, workers, Redis).

Usage: `.venv/bin/python bench/memory_stability.py [--jobs 500]` (starts and stops its own
service; about 10 minutes on 2 cores). Leave the machine otherwise idle.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.service import Service  # noqa: E402

ROLES = ("CpuOcr", "JobRunner", "Ingress")
CHECKPOINTS = (1, 100, 300, 500)


def role_rss_mb(service: Service) -> dict[str, float]:
    """RSS in MB of each Serve replica role (summed over its replicas) and of the whole tree."""
    sizes = dict.fromkeys(ROLES, 0.0)
    for process in psutil.Process(service.process.pid).children(recursive=True):
        try:
            title = " ".join(process.cmdline())
            rss = process.memory_info().rss / 2**20
        except psutil.Error:
            continue
        for role in ROLES:
            if f"ServeReplica:ocrchat:{role}" in title:
                sizes[role] += rss
    sizes["all"] = service.rss_mb()
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--port", type=int, default=8731)
    args = parser.parse_args()
    jobs = args.jobs
    image = (ROOT / "tests" / "data" / "phototest.tif").read_bytes()
    checkpoints = sorted({*(c for c in CHECKPOINTS if c <= jobs), jobs})
    with tempfile.TemporaryDirectory() as state:
        service = Service(args.port, args.port + 1, state)
        try:
            service.wait_ready()
            rows = run(service, image, jobs, checkpoints)
        finally:
            service.stop()
    print("| after job | " + " | ".join(f"{name} MB" for name in (*ROLES, "all")) + " | s/job |")
    print("|---" * (len(ROLES) + 3) + "|")
    for done, sizes, seconds in rows:
        print(f"| {done} | " + " | ".join(f"{sizes[n]:.0f}" for n in (*ROLES, "all")) + f" | {seconds:.2f} |")


def run(service: Service, image: bytes, jobs: int, checkpoints: list[int]) -> list[tuple[int, dict, float]]:
    rows = []
    with httpx.Client(base_url=service.url, timeout=120) as client:
        start = time.perf_counter()
        for done in range(1, jobs + 1):
            response = client.post("/api/v1/ocr/", files={"file": ("phototest.tif", image)})
            response.raise_for_status()
            if response.json()["status"] != "done":
                raise RuntimeError(f"job {done}: {response.json()}")
            if done in checkpoints:
                rows.append((done, role_rss_mb(service), (time.perf_counter() - start) / done))
                print(f"after {done} jobs: {rows[-1][1]}", flush=True)
    return rows


if __name__ == "__main__":
    main()
