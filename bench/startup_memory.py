"""Start-up time, memory per process and 1-page latency of `ocrchat serve` on its default config,
for one or more checkouts, alternated round by round.

For each checkout and round: seconds from launch to the first `/healthz` 200; PSS per process
(`/proc/PID/smaps_rollup`, named by role: Redis, GCS, raylet, dashboard, each Serve replica, idle
Ray workers) once the service has settled; the median of three 1-page scanned requests; then PSS
after each of two 20-page scanned jobs, 5 s after the replicas' idle trim (`IDLE_TRIM_SECONDS`; the issue-29 pages:
`bench/cpu_profiles.py`).

Usage: `.venv/bin/python bench/startup_memory.py --tree /path/to/checkout [--tree ...] [--rounds 3]
[--job-rounds 3]` (each tree needs its own `.venv`; the jobs only in the first `--job-rounds`
rounds). Prints a JSON line per run and a summary of medians.
"""

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import pymupdf  # noqa: E402
from PIL import Image  # noqa: E402

from bench.cpu_profiles import CORPUS, DPI, scanned_pages  # noqa: E402
from serve.ocr_worker import IDLE_TRIM_SECONDS  # noqa: E402

SETTLE_SECONDS = 30
ROLES = [  # (a command line holds this, role); the first match names the process
    ("redis-server", "redis"),
    ("gcs_server", "gcs"),
    ("raylet/raylet", "raylet"),
    ("DashboardAgent", "dashboard agent"),
    ("dashboard/agent.py", "dashboard agent"),
    ("RuntimeEnvAgent", "runtime env agent"),
    ("dashboard", "dashboard"),  # the head and its modules (ray-dashboard-NodeHead-0, ...)
    ("log_monitor", "log monitor"),
    ("autoscaler", "autoscaler monitor"),
    ("ServeController", "serve controller"),
    ("ProxyActor", "proxy"),
    ("ServeReplica:ocrchat:CpuOcr", "CpuOcr"),
    ("ServeReplica:ocrchat:JobRunner", "JobRunner"),
    ("ServeReplica:ocrchat:Ingress", "Ingress"),
    ("ray::IDLE", "idle worker"),
    ("ray::", "task worker"),
    ("serve.cli", "driver"),
]


def role_of(command: str) -> str:
    return next((role for marker, role in ROLES if marker in command), command[:40])


def descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def pss_by_process(root_pid: int) -> list[tuple[str, float]]:
    """(role, PSS in MB) of every process of the service's tree."""
    rows = []
    for pid in descendants(root_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        pss_kb = next(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
        rows.append((role_of(command), pss_kb / 1024))
    return rows


def summed(rows: list[tuple[str, float]]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for role, mb in rows:
        totals[role] = totals.get(role, 0.0) + mb
    totals["all"] = sum(mb for _, mb in rows)
    return {role: round(mb) for role, mb in totals.items()}


def counted(rows: list[tuple[str, float]]) -> dict[str, int]:
    return {role: sum(1 for other, _ in rows if other == role) for role, _ in rows}


def jpeg_pdf(pages: list) -> bytes:
    """The pages as a scanned PDF would hold them: a JPEG each (PNG made the 20 pages 195 MB)."""
    pdf = pymupdf.open()
    for image, _ in pages:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=85)
        height, width = image.shape[:2]
        rect = pymupdf.Rect(0, 0, width * 72 / DPI, height * 72 / DPI)
        pdf.new_page(width=rect.width, height=rect.height).insert_image(rect, stream=buffer.getvalue())
    return pdf.tobytes()


def launch(tree: Path, port: int, state: Path) -> subprocess.Popen:
    shutil.rmtree(state / "redis", ignore_errors=True)  # the models stay prepared, as after setup
    env = os.environ | {
        "OCRCHAT_PORT": str(port),
        "OCRCHAT_REDIS_PORT": str(port + 1),
        "OCRCHAT_STATE_DIR": str(state),
        "OCRCHAT_ANONYMOUS_DAILY_PAGES": "100000000",
        "OCRCHAT_ANONYMOUS_MAX_PAGES_PER_FILE": "10000",
        # The tree's own code in every process (the venv's editable install may point elsewhere).
        "PYTHONPATH": str(tree),
    }
    log = open(state / "serve.log", "w")  # noqa: SIM115 (open for the process's life)
    command = [str(tree / ".venv/bin/python"), "-m", "serve.cli", "serve"]
    return subprocess.Popen(command, cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT)


def seconds_to_healthy(url: str, started: float, process: subprocess.Popen) -> float:
    while time.monotonic() - started < 300 and process.poll() is None:
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the service did not become ready")


def run_job(client: httpx.Client, pdf: bytes) -> float:
    started = time.monotonic()
    response = client.post("/api/v1/ocr/", files={"file": ("scan.pdf", pdf)})
    response.raise_for_status()
    job = response.json()
    while job["status"] not in ("done", "failed"):
        job = client.get(f"/api/v1/ocr/{job['uuid']}/", params={"wait": 50}).json()
    if job["status"] != "done":
        raise RuntimeError(f"job failed: {job.get('error')}")
    return time.monotonic() - started


def one_run(tree: Path, port: int, one_page: bytes, twenty_pages: bytes | None) -> dict:
    state = Path(f"/tmp/bench-startup-state-{tree.name}")
    state.mkdir(exist_ok=True)
    for _ in range(3):  # Ray's start fails now and then on a loaded machine (its dashboard times out)
        started = time.monotonic()
        process = launch(tree, port, state)
        try:
            startup = seconds_to_healthy(f"http://127.0.0.1:{port}", started, process)
            break
        except RuntimeError:
            process.terminate()
            process.wait(timeout=120)
    else:
        raise RuntimeError(f"{tree}: the service did not start in three tries")
    try:
        result = {"tree": str(tree), "startup_s": round(startup, 2)}
        time.sleep(SETTLE_SECONDS)
        idle = pss_by_process(process.pid)
        result["idle"], result["idle_processes"] = summed(idle), counted(idle)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
            result["one_page_s"] = round(statistics.median(run_job(client, one_page) for _ in range(3)), 3)
            for number in (1, 2) if twenty_pages else ():
                result[f"job{number}_s"] = round(run_job(client, twenty_pages), 1)
                time.sleep(IDLE_TRIM_SECONDS + 5)
                after = pss_by_process(process.pid)
                result[f"after_job{number}"], result[f"after_job{number}_processes"] = summed(after), counted(after)
        return result
    finally:
        process.terminate()
        process.wait(timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, action="append", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--job-rounds", type=int, default=3, help="Rounds that also run the 20-page jobs.")
    parser.add_argument("--port", type=int, default=8741)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    pages = scanned_pages(args.corpus)
    one_page, twenty_pages = jpeg_pdf(pages[:1]), jpeg_pdf(pages)
    runs = []
    for number in range(args.rounds):
        for tree in args.tree:
            jobs = twenty_pages if number < args.job_rounds else None
            runs.append(one_run(tree.resolve(), args.port, one_page, jobs))
            print(json.dumps(runs[-1]), flush=True)
    for tree in args.tree:
        mine = [run for run in runs if run["tree"] == str(tree.resolve())]
        medians = {key: statistics.median(run[key] for run in mine) for key in ("startup_s", "one_page_s")}
        for phase in ("idle", "after_job1", "after_job2"):
            measured = [run[phase] for run in mine if phase in run]
            roles = {role for sizes in measured for role in sizes}
            medians[phase] = {role: statistics.median(sizes.get(role, 0) for sizes in measured) for role in roles}
        print(f"{tree}: medians of {len(mine)} runs: {json.dumps(medians)}", flush=True)


if __name__ == "__main__":
    main()
