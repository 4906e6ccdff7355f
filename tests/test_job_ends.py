"""Polls that wait for their job to end, woken through a real Redis's publish of job ends."""

import asyncio
import time

import pytest
import redis
import redis.asyncio

from pipelines.jobs.record import FINAL_STATUSES, new_job
from pipelines.jobs.store import JobStore
from serve.job_ends import RECHECK_SECONDS, JobEnds


@pytest.fixture
def store(redis_server):
    return JobStore(redis.Redis.from_url(redis_server.url, decode_responses=True), ttl_seconds=600)


def running_job(store: JobStore) -> str:
    job = new_job(tier="cpu", language="en", tool=None, filename="a.pdf", page_count=6, document_page_count=6)
    store.create(job, "anon:test")
    assert store.start(job["uuid"])
    return job["uuid"]


async def wait_for(ends: JobEnds, store: JobStore, job_id: str, seconds: float) -> float:
    """Seconds `ends.wait` took for the job."""

    async def has_ended() -> bool:
        return await asyncio.to_thread(store.status, job_id) in (*FINAL_STATUSES, None)

    start = time.monotonic()
    await ends.wait(job_id, seconds, has_ended)
    return time.monotonic() - start


@pytest.mark.parametrize("end", ["finish", "cancel"])
def test_a_waiting_poll_is_woken_when_its_job_ends(store, redis_server, end):
    job_id = running_job(store)

    async def scenario() -> float:
        ends = JobEnds(redis.asyncio.Redis.from_url(redis_server.url), max_waiting=4)
        waiting = asyncio.create_task(wait_for(ends, store, job_id, 30))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        getattr(store, end)(job_id)
        return await waiting

    seconds = asyncio.run(scenario())
    # Woken by the published end, not by the recheck that makes up for a missed message.
    assert seconds < RECHECK_SECONDS
    assert store.status(job_id) in FINAL_STATUSES


def test_a_poll_waits_no_longer_than_asked_and_not_for_an_ended_job(store, redis_server):
    running, ended = running_job(store), running_job(store)
    store.finish(ended)

    async def scenario() -> tuple[float, float]:
        ends = JobEnds(redis.asyncio.Redis.from_url(redis_server.url), max_waiting=4)
        return await wait_for(ends, store, running, 0.5), await wait_for(ends, store, ended, 30)

    on_running, on_ended = asyncio.run(scenario())
    assert 0.5 <= on_running < RECHECK_SECONDS
    assert on_ended < RECHECK_SECONDS
    store.cancel(running)


def test_polls_beyond_the_cap_are_answered_at_once(store, redis_server):
    job_id = running_job(store)

    async def scenario() -> float:
        ends = JobEnds(redis.asyncio.Redis.from_url(redis_server.url), max_waiting=1)
        holding = asyncio.create_task(wait_for(ends, store, job_id, 30))
        await asyncio.sleep(0.3)
        beyond = await wait_for(ends, store, job_id, 30)
        store.cancel(job_id)
        await holding
        return beyond

    assert asyncio.run(scenario()) < RECHECK_SECONDS
