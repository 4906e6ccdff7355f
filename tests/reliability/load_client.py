"""A load generator for the OCR API, run as its own process against a running service.

    python tests/reliability/load_client.py --url http://127.0.0.1:8000 --duration 60 \
        --clients 12 --long-jobs 3 --token ocr_... --out summary.json

For `--duration` seconds, `--clients` workers post small generated PNGs (processed before the
answer), now and then a 2-page PDF with a corrupt page (one page fails and is refunded) or a
born-digital page; `--long-jobs` workers post PDFs of more than 5 pages (answered `pending`,
then polled), half their pages to OCR and half with a text layer, and one of them cancels one
job midway. Anonymous workers are told apart by `X-Forwarded-For` (the service must trust the
client's address as a proxy); workers given a `--token` call as that account. When the time is
up nothing new is sent; every accepted job is polled until it ends (or `--drain-timeout`),
then each caller's usage is read from `GET /api/v1/account/`.

The JSON summary: requests, status histogram, latency percentiles, 5xx answers that are not a
429/503 with `Retry-After`, transport errors, jobs accepted and ended, pages, and per caller the
jobs, pages and credits used. Only the standard library, httpx, Pillow and PyMuPDF are needed.
"""

import argparse
import asyncio
import io
import json
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pymupdf
from PIL import Image, ImageDraw, ImageFont

FINAL_STATUSES = ("done", "failed")
SUBMIT = "/api/v1/ocr/"
POLL_SECONDS = 0.5
SAMPLE_LIMIT = 20  # errors kept verbatim in the summary


# --- Documents --------------------------------------------------------------------------------


def text_png(text: str, width: int = 420, height: int = 72) -> bytes:
    """A small PNG with one line of dark text on white."""
    image = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(image).text((12, 16), text, fill="black", font=ImageFont.load_default(size=30))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg(text: str) -> bytes:
    image = Image.open(io.BytesIO(text_png(text))).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def long_pdf(pages: int, seed: int = 0) -> bytes:
    """A PDF of small pages: odd pages carry a text layer, even pages are an image of text only
    (OCRed). Each page's text differs, so PyMuPDF shares no image between pages."""
    pdf = pymupdf.open()
    for number in range(1, pages + 1):
        page = pdf.new_page(width=216, height=72)  # 600 x 200 px at 200 dpi: cheap to OCR
        text = f"Load {seed} page {number}"
        if number % 2:
            page.insert_text((12, 40), text, fontsize=14, fontname="helv")
        else:
            page.insert_image(page.rect, stream=_jpeg(text))
    data = pdf.tobytes(garbage=3, deflate=True)
    pdf.close()
    return data


def born_digital_page(text: str) -> bytes:
    pdf = pymupdf.open()
    pdf.new_page(width=216, height=72).insert_text((12, 40), text, fontsize=14, fontname="helv")
    data = pdf.tobytes(garbage=3, deflate=True)
    pdf.close()
    return data


def pdf_with_corrupt_page(seed: int = 0) -> bytes:
    """Two image-only pages; the second image's JPEG data is garbage, so that page fails (and
    is not charged) while the first is read."""
    pdf = pymupdf.open()
    for number in (1, 2):
        page = pdf.new_page(width=216, height=72)
        page.insert_image(page.rect, stream=_jpeg(f"Corrupt {seed} page {number}"))
    broken = pdf[1].get_images()[0][0]
    pdf.update_stream(broken, b"\xff\xd8\xff\xe0" + b"not a jpeg " * 100, compress=False)
    data = pdf.tobytes()
    pdf.close()
    return data


# --- Bookkeeping ------------------------------------------------------------------------------


@dataclass
class Caller:
    label: str  # `anon:<ip>` or `token:<n>` (the n-th --token)
    headers: dict[str, str]
    jobs: dict[str, dict] = field(default_factory=dict)  # uuid -> last job object seen
    credits_before: int = 0
    credits_after: int = 0


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    requests: Counter = field(default_factory=Counter)  # by kind
    latencies: dict[str, list[float]] = field(default_factory=dict)
    bad_5xx: list[dict] = field(default_factory=list)
    bad_5xx_count: int = 0
    transport_errors: list[str] = field(default_factory=list)
    transport_error_count: int = 0
    refused: int = 0  # 429 and 503 with Retry-After: fine, retried later
    cancelled: int = 0

    def record(self, kind: str, seconds: float, response: httpx.Response) -> None:
        self.requests[kind] += 1
        self.statuses[str(response.status_code)] += 1
        self.latencies.setdefault(kind, []).append(seconds)
        if response.status_code >= 500 and not _is_polite_refusal(response):
            self.bad_5xx_count += 1
            if len(self.bad_5xx) < SAMPLE_LIMIT:
                self.bad_5xx.append(
                    {
                        "kind": kind,
                        "status": response.status_code,
                        "url": str(response.request.url),
                        "headers": dict(response.headers),
                        "body": response.text[:500],
                    }
                )

    def transport_error(self, kind: str, exc: Exception) -> None:
        self.requests[kind] += 1
        self.statuses["transport_error"] += 1
        self.transport_error_count += 1
        if len(self.transport_errors) < SAMPLE_LIMIT:
            self.transport_errors.append(f"{kind}: {type(exc).__name__}: {exc}")


def _is_polite_refusal(response: httpx.Response) -> bool:
    return response.status_code in (429, 503) and "retry-after" in response.headers


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 3),
        "p95": round(p95, 3),
        "max": round(ordered[-1], 3),
    }


# --- The load ---------------------------------------------------------------------------------


class Load:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tally = Tally()
        self.callers: list[Caller] = []
        self.deadline = 0.0
        self.rng = random.Random(args.seed)

    def caller(self, index: int) -> Caller:
        """Workers take turns: every third calls with a token (when there are tokens), the others
        as an anonymous client IP of their own."""
        tokens = self.args.token
        if tokens and index % 3 == 0:
            n = (index // 3) % len(tokens)
            label, headers = f"token:{n}", {"Authorization": f"Bearer {tokens[n]}"}
        else:
            ip = f"{self.args.ip_prefix}.{index + 1}"
            label, headers = f"anon:{ip}", {"X-Forwarded-For": ip}
        for existing in self.callers:
            if existing.label == label:
                return existing
        caller = Caller(label, headers)
        self.callers.append(caller)
        return caller

    async def request(
        self, http: httpx.AsyncClient, kind: str, method: str, url: str, caller: Caller, **kwargs
    ) -> httpx.Response | None:
        start = time.monotonic()
        try:
            response = await http.request(method, url, headers=caller.headers, **kwargs)
        except httpx.HTTPError as exc:
            self.tally.transport_error(kind, exc)
            return None
        self.tally.record(kind, time.monotonic() - start, response)
        return response

    async def submit(self, http: httpx.AsyncClient, kind: str, caller: Caller, name: str, content: bytes, **data):
        """POST a document; the accepted job, or None (refused, error). A polite refusal waits
        its Retry-After (within the time left)."""
        response = await self.request(http, kind, "POST", SUBMIT, caller, files={"file": (name, content)}, data=data)
        if response is None:
            return None
        if response.status_code == 200:
            job = response.json()
            caller.jobs[job["uuid"]] = job
            return job
        if _is_polite_refusal(response):
            self.tally.refused += 1
            wait = min(float(response.headers["retry-after"]), max(0.0, self.deadline - time.monotonic()))
            await asyncio.sleep(wait)
        return None

    async def poll(self, http: httpx.AsyncClient, caller: Caller, job_id: str) -> dict | None:
        response = await self.request(http, "poll", "GET", f"{SUBMIT}{job_id}/", caller)
        if response is not None and response.status_code == 200:
            caller.jobs[job_id] = response.json()
            return caller.jobs[job_id]
        return None

    async def small_worker(self, http: httpx.AsyncClient, index: int) -> None:
        caller = self.caller(index)
        count = 0
        while time.monotonic() < self.deadline:
            count += 1
            tag = f"{index}-{count}"
            if count % 10 == 5:
                await self.submit(http, "submit_corrupt", caller, f"c{tag}.pdf", pdf_with_corrupt_page(count))
            elif count % 10 == 8:
                await self.submit(http, "submit_pdf1", caller, f"b{tag}.pdf", born_digital_page(f"Page {tag}"))
            else:
                await self.submit(http, "submit_png", caller, f"s{tag}.png", text_png(f"Load test {tag}"))

    async def long_worker(self, http: httpx.AsyncClient, index: int) -> None:
        """Submit a long PDF, poll it to its end, again until the time is up (the drain follows
        the last one). The first worker cancels its first job once two pages are done."""
        caller = self.caller(self.args.clients + index)
        count = 0
        while time.monotonic() < self.deadline:
            count += 1
            force_ocr = "true" if count % 2 == 0 else "false"
            content = long_pdf(self.args.long_pages, seed=index * 1000 + count)
            name = f"long{index}-{count}.pdf"
            job = await self.submit(http, "submit_long", caller, name, content, force_ocr=force_ocr)
            if job is None:
                continue
            cancel = index == 0 and count == 1
            while job["status"] not in FINAL_STATUSES and time.monotonic() < self.deadline:
                await asyncio.sleep(POLL_SECONDS)
                job = await self.poll(http, caller, job["uuid"]) or job
                if cancel and job["pages_done"] >= 2 and job["status"] not in FINAL_STATUSES:
                    response = await self.request(http, "cancel", "DELETE", f"{SUBMIT}{job['uuid']}/", caller)
                    if response is not None and response.status_code == 200:
                        self.tally.cancelled += 1
                        cancel = False

    async def drain(self, http: httpx.AsyncClient) -> float:
        """Poll every accepted job until all have ended or the drain timeout passes; returns the
        seconds it took."""
        start = time.monotonic()
        while time.monotonic() - start < self.args.drain_timeout:
            open_jobs = [
                (caller, job_id)
                for caller in self.callers
                for job_id, job in caller.jobs.items()
                if job["status"] not in FINAL_STATUSES
            ]
            if not open_jobs:
                break
            for caller, job_id in open_jobs:
                await self.poll(http, caller, job_id)
            await asyncio.sleep(POLL_SECONDS)
        return time.monotonic() - start

    async def credits_used(self, http: httpx.AsyncClient, caller: Caller) -> int:
        response = await self.request(http, "account", "GET", "/api/v1/account/", caller)
        if response is None or response.status_code != 200:
            raise RuntimeError(f"GET /api/v1/account/ failed for {caller.label}")
        return int(response.json()["used"])

    async def run(self) -> dict:
        args = self.args
        limits = httpx.Limits(max_connections=args.clients + args.long_jobs + 8)
        timeout = httpx.Timeout(args.request_timeout)
        async with httpx.AsyncClient(base_url=args.url, limits=limits, timeout=timeout) as http:
            for index in range(args.clients + args.long_jobs):
                self.caller(index)
            for caller in self.callers:
                caller.credits_before = await self.credits_used(http, caller)
            started = time.monotonic()
            self.deadline = started + args.duration
            workers = [self.small_worker(http, i) for i in range(args.clients)]
            workers += [self.long_worker(http, i) for i in range(args.long_jobs)]
            await asyncio.gather(*workers)
            load_seconds = time.monotonic() - started
            drain_seconds = await self.drain(http)
            for caller in self.callers:
                caller.credits_after = await self.credits_used(http, caller)
        return self.summary(load_seconds, drain_seconds)

    def summary(self, load_seconds: float, drain_seconds: float) -> dict:
        tally = self.tally
        jobs = [job for caller in self.callers for job in caller.jobs.values()]
        ended = [job for job in jobs if job["status"] in FINAL_STATUSES]
        callers = []
        for caller in self.callers:
            own = list(caller.jobs.values())
            callers.append(
                {
                    "caller": caller.label,
                    "jobs": len(own),
                    "job_ids": sorted(caller.jobs),
                    "pages": sum(job["page_count"] for job in own),
                    "pages_done": sum(job["pages_done"] for job in own),
                    "pages_failed": sum(job["pages_failed"] for job in own),
                    "credits_used": caller.credits_after - caller.credits_before,
                }
            )
        submits = [value for kind, values in tally.latencies.items() if kind.startswith("submit") for value in values]
        return {
            "config": {key: str(value) for key, value in vars(self.args).items() if key != "token"},
            "load_seconds": round(load_seconds, 1),
            "drain_seconds": round(drain_seconds, 1),
            "requests": sum(tally.requests.values()),
            "requests_by_kind": dict(tally.requests),
            "status_codes": dict(sorted(tally.statuses.items())),
            "requests_per_second": round(sum(tally.requests.values()) / max(load_seconds, 1e-9), 2),
            "latency_seconds": {
                "submit_all": _percentiles(submits),
                **{kind: _percentiles(values) for kind, values in sorted(tally.latencies.items())},
            },
            "refused_with_retry_after": tally.refused,
            "bad_5xx_count": tally.bad_5xx_count,
            "bad_5xx": tally.bad_5xx,
            "transport_error_count": tally.transport_error_count,
            "transport_errors": tally.transport_errors,
            "jobs": {
                "accepted": len(jobs),
                "ended": len(ended),
                "done": sum(job["status"] == "done" for job in jobs),
                "failed": sum(job["status"] == "failed" for job in jobs),
                "cancelled": tally.cancelled,
                "long": sum(job["page_count"] > 5 for job in jobs),
                "unended": [job["uuid"] for job in jobs if job["status"] not in FINAL_STATUSES],
            },
            "pages": {
                "accepted": sum(job["page_count"] for job in jobs),
                "done": sum(job["pages_done"] for job in jobs),
                "failed": sum(job["pages_failed"] for job in jobs),
            },
            "credits": {"used": sum(caller["credits_used"] for caller in callers)},
            "callers": callers,
        }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="base URL of the service")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--clients", type=int, default=12, help="concurrent small-upload workers")
    parser.add_argument("--long-jobs", type=int, default=3, help="concurrent long-PDF workers")
    parser.add_argument("--long-pages", type=int, default=8, help="pages of each long PDF (> 5)")
    parser.add_argument("--token", action="append", default=[], help="an account's API token (repeatable)")
    parser.add_argument("--ip-prefix", default=f"10.{random.randrange(256)}.{random.randrange(256)}")
    parser.add_argument("--drain-timeout", type=float, default=300, help="seconds to wait for jobs to end")
    parser.add_argument("--request-timeout", type=float, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="where to write the JSON summary (default: stdout)")
    args = parser.parse_args(argv)
    if args.long_pages <= 5:
        parser.error("--long-pages must be more than 5, so that long jobs run asynchronously")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    summary = asyncio.run(Load(args).run())
    text = json.dumps(summary, indent=2)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
