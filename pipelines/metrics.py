"""Application metrics for capacity tuning, through `ray.util.metrics`: they appear on the Ray
dashboard's metrics view and on Ray's Prometheus endpoint (names prefixed `ray_`).
docs/capacity.md says which metric answers which tuning question.

Created once per process, and only inside a Ray worker or driver (outside Ray, as in unit tests,
recording does nothing).
"""

import collections
from functools import lru_cache

import ray
from ray.util.metrics import Counter, Gauge, Histogram

from pipelines.jobs.schema import PageRecord

# Seconds; a CPU page takes 0.5-10 s, a text-layer page milliseconds.
_PAGE_SECONDS_BOUNDARIES = [0.05, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64]


class _Metrics:
    def __init__(self) -> None:
        self.pages = Counter(
            "ocrchat_pages_total",
            description="Pages processed, by tier, engine, source (ocr or text_layer) and outcome (done, failed).",
            tag_keys=("tier", "engine", "source", "outcome"),
        )
        self.page_seconds = Histogram(
            "ocrchat_page_seconds",
            description="Seconds an OCR replica spent reading one page.",
            boundaries=_PAGE_SECONDS_BOUNDARIES,
            tag_keys=("tier", "engine"),
        )
        self.queued_pages = Gauge("ocrchat_queued_pages", description="Pages accepted and not yet processed.")
        self.jobs = Counter("ocrchat_jobs_total", description="Jobs ended, by final status.", tag_keys=("status",))
        self.upload_bytes = Counter("ocrchat_upload_bytes_total", description="Bytes of documents accepted.")
        self.credits = Counter(
            "ocrchat_credits_charged_total", description="Credits reserved for jobs and chat.", tag_keys=("plan",)
        )


@lru_cache
def _metrics() -> _Metrics:
    return _Metrics()


def _enabled() -> bool:
    return ray.is_initialized()


def pages_written(records: list[PageRecord], tier: str) -> None:
    """Count written pages, one increment per kind of page (each increment has a cost)."""
    if _enabled():
        kinds = collections.Counter(
            (record.get("engine") or "none", record.get("source") or "none", _outcome(record)) for record in records
        )
        for (engine, source, outcome), count in kinds.items():
            _metrics().pages.inc(count, tags={"tier": tier, "engine": engine, "source": source, "outcome": outcome})


def _outcome(record: PageRecord) -> str:
    return "failed" if record.get("error") else "done"


def page_read(seconds: float, tier: str, engine: str | None) -> None:
    if _enabled():
        _metrics().page_seconds.observe(seconds, tags={"tier": tier, "engine": engine or "none"})


def queue_depth(pages: int) -> None:
    if _enabled():
        _metrics().queued_pages.set(pages)


def job_ended(status: str) -> None:
    if _enabled():
        _metrics().jobs.inc(tags={"status": status})


def upload_accepted(size: int) -> None:
    if _enabled():
        _metrics().upload_bytes.inc(size)


def credits_charged(credits: int, plan: str) -> None:
    if _enabled() and credits > 0:
        _metrics().credits.inc(credits, tags={"plan": plan})
