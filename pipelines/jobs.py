"""The job record: creating it, reducing page results into it, keeping it in Redis."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from engines.types import PageResult
from exports.markdown import page_markdown, page_text
from pipelines.layout import flatten, paragraphs

_KEY = "ocrchat:job:{}"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def new_job(*, tier: str, language: str, tool: str | None, filename: str, page_count: int) -> dict:
    return {
        "uuid": uuid.uuid4().hex,
        "status": "pending",
        "tier": tier,
        "language": language,
        "tool": tool,
        "filename": filename,
        "page_count": page_count,
        "pages_done": 0,
        "mean_confidence": None,
        "text": "",
        "markdown": "",
        "pages": [],
        "error": None,
        "created_at": _iso(_now()),
        "finished_at": None,
        "expires_at": None,
    }


def page_record(index: int, result: PageResult) -> dict:
    """One entry of `pages[]`: blocks in reading order, with the page's text and size."""
    grouped = paragraphs(result.blocks)
    return {
        "index": index,
        "width": result.width,
        "height": result.height,
        "text": page_text(grouped),
        "markdown": page_markdown(grouped),
        "blocks": [
            {"text": b.text, "bbox": [round(v, 1) for v in b.bbox], "confidence": b.confidence}
            for b in flatten(grouped)
        ],
    }


def finish_job(job: dict, pages: list[dict], ttl_seconds: int) -> dict:
    """Reduce page records (in page order) into the finished job."""
    confidences = [block["confidence"] for page in pages for block in page["blocks"]]
    finished = _now()
    job.update(
        status="done",
        pages=[{key: value for key, value in page.items() if key != "markdown"} for page in pages],
        pages_done=len(pages),
        text="\n\n".join(page["text"] for page in pages),
        markdown="\n\n".join(page["markdown"] for page in pages if page["markdown"]),
        mean_confidence=round(sum(confidences) / len(confidences), 4) if confidences else 0.0,
        finished_at=_iso(finished),
        expires_at=_iso(finished + timedelta(seconds=ttl_seconds)),
    )
    return job


def fail_job(job: dict, error: str, ttl_seconds: int) -> dict:
    finished = _now()
    job.update(
        status="failed",
        error=error,
        finished_at=_iso(finished),
        expires_at=_iso(finished + timedelta(seconds=ttl_seconds)),
    )
    return job


class JobStore:
    """Jobs live in Redis so that any replica can answer for any job."""

    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl = ttl_seconds

    async def save(self, job: dict, owner: str) -> None:
        key = _KEY.format(job["uuid"])
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"job": json.dumps(job), "owner": owner})
            pipe.expire(key, self._ttl)
            await pipe.execute()

    async def load(self, job_id: str) -> tuple[dict, str] | None:
        """The job and its owner, or None when there is no such job (or it expired)."""
        fields = await self._redis.hmget(_KEY.format(job_id), ["job", "owner"])
        if fields[0] is None:
            return None
        return json.loads(fields[0]), fields[1].decode() if isinstance(fields[1], bytes) else fields[1]
