"""Polls that wait for their job to end (`GET /api/v1/ocr/<uuid>/?wait=30`), on one Redis
subscription per ingress replica.

A job's final transition publishes its id (`pipelines.jobs.store.JOB_ENDED_CHANNEL`); a waiting
poll is woken by that message, so it answers within milliseconds of the end instead of a
client's next poll, and costs no CPU while it waits. A message missed while Redis was away is
made up for by a status check every `RECHECK_SECONDS`.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import redis.asyncio

from pipelines.jobs.store import JOB_ENDED_CHANNEL

logger = logging.getLogger("ray.serve")

RECHECK_SECONDS = 5.0
_RESUBSCRIBE_SECONDS = 1.0


class JobEnds:
    """Wakes the polls waiting here when their job ends; at most `max_waiting` at once."""

    def __init__(self, client: redis.asyncio.Redis, max_waiting: int) -> None:
        self._client = client
        self._max_waiting = max_waiting
        self._waiting: dict[str, set[asyncio.Event]] = {}
        self._count = 0
        self._listener: asyncio.Task | None = None
        self._subscribed = asyncio.Event()

    async def wait(self, job_id: str, seconds: float, has_ended: Callable[[], Awaitable[bool]]) -> None:
        """Return when `has_ended()` (which should also be true of a job that is gone), after
        `seconds`, or at once when `max_waiting` polls already wait here (the caller then
        answers with the job as it is, as a plain poll)."""
        if seconds <= 0 or self._count >= self._max_waiting:
            return
        event = asyncio.Event()
        self._waiting.setdefault(job_id, set()).add(event)
        self._count += 1
        try:
            deadline = asyncio.get_running_loop().time() + seconds
            await self._subscribe(min(seconds, RECHECK_SECONDS))
            while True:
                # Asked after subscribing to its end, so that an end between the two is not missed.
                event.clear()
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0 or await has_ended():
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), min(left, RECHECK_SECONDS))
        finally:
            self._count -= 1
            events = self._waiting[job_id]
            events.discard(event)
            if not events:
                del self._waiting[job_id]

    async def _subscribe(self, timeout: float) -> None:
        """Start listening if nobody does yet, and give the subscription up to `timeout` to be on."""
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._listen_forever())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), timeout)

    async def _listen_forever(self) -> None:
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(JOB_ENDED_CHANNEL)
                    self._subscribed.set()
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._wake(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis away: waiting polls fall back on their rechecks
                self._subscribed.clear()
                logger.warning("Lost the subscription to job ends; subscribing again", exc_info=True)
                await asyncio.sleep(_RESUBSCRIBE_SECONDS)

    def _wake(self, job_id: bytes | str) -> None:
        if isinstance(job_id, bytes):
            job_id = job_id.decode()
        for event in self._waiting.get(job_id, ()):
            event.set()
