"""Faults in the middle of a long job: a killed CPU-OCR replica, a Redis restart (graceful and
a crash), a restart of the whole service. The job never stays `processing`: it finishes, or
fails cleanly with its unprocessed pages refunded; no job and no credit is lost; and the
service is healthy again afterwards (the modules after this one share it).

(tests/test_restart.py covers a finished job surviving an app restart and a job left behind
by no runner at all; here the job is a real one, running or waiting when the fault hits.)
"""

import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis

from accounts.store import CREDITS, account_key, create_account
from tests.conftest import JOB_LEASE_SECONDS
from tests.reliability.load_client import long_pdf, text_png
from tests.reliability.test_load import books, queued_pages, wait_until_idle

CREDITS_BOUGHT = 100_000
# Bounds, not timings: generous because the 2 cores are shared with other test runs.
JOB_END_TIMEOUT = 600
REPLACEMENT_TIMEOUT = 300
SETTLE_BURST = 32  # concurrent requests, about the most the ingress has had connections for
FINAL = ("done", "failed")

pytestmark = pytest.mark.slow


class Account:
    """A paid account of its own per test, so that its books hold only that test's jobs."""

    def __init__(self, store: redis.Redis, service_url: str) -> None:
        self.id, token = create_account(store, "paid", credits=CREDITS_BOUGHT)
        self.owner = f"account:{self.id}"
        self.http = httpx.Client(base_url=service_url, timeout=300, headers={"Authorization": f"Bearer {token}"})
        self.submitted: list[str] = []

    def submit(self, content: bytes, name: str = "doc.pdf", **fields: str) -> dict:
        response = self.http.post("/api/v1/ocr/", files={"file": (name, content)}, data=fields)
        assert response.status_code == 200, response.text
        self.submitted.append(response.json()["uuid"])
        return response.json()

    def job(self, job_id: str) -> dict:
        response = self.http.get(f"/api/v1/ocr/{job_id}/")
        assert response.status_code == 200, f"job {job_id}: {response.status_code} {response.text}"
        return response.json()

    def wait_for_pages(self, job_id: str, pages: int, timeout: float = JOB_END_TIMEOUT) -> dict:
        """Poll until the job has `pages` pages done (it must still be running then)."""
        deadline = time.monotonic() + timeout
        while (job := self.job(job_id))["pages_done"] < pages:
            assert job["status"] not in FINAL, f"the job ended before the fault: {job['status']} {job['error']}"
            assert time.monotonic() < deadline, f"job {job_id} did not reach {pages} pages in {timeout} s"
            time.sleep(0.2)
        return job

    def wait_for_end(self, job_id: str, timeout: float = JOB_END_TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while (job := self.job(job_id))["status"] not in FINAL:
            assert time.monotonic() < deadline, f"job {job_id} still {job['status']} after {timeout} s: stuck"
            time.sleep(0.5)
        return job


def assert_ended_cleanly(job: dict) -> None:
    """A finished job accounts for every page; a failed one says why and keeps what it did."""
    assert job["status"] in FINAL
    assert len(job["pages"]) == job["pages_done"] + job["pages_failed"], "page records and counters disagree"
    if job["status"] == "done":
        assert job["pages_done"] + job["pages_failed"] == job["page_count"], "a done job lost pages"
    else:
        assert job["error"], "a failed job without an error message"


def assert_books_balance(store: redis.Redis, account: Account) -> None:
    """Every job the account submitted is still there and ended; the account paid exactly the
    pages processed and still holds the credits it bought; no page stays queued."""
    held = books(store, account.owner)
    assert held.jobs == len(account.submitted) and held.unended == 0, held
    assert held.credits_used == held.pages_done, f"charged {held.credits_used} credits for {held.pages_done} pages"
    assert int(store.hget(account_key(account.id), CREDITS)) == CREDITS_BOUGHT
    wait_until_idle(store)
    assert queued_pages(store) == 0


def assert_service_works(service_url: str, account: Account) -> None:
    assert httpx.get(f"{service_url}/healthz", timeout=60).status_code == 200
    job = account.submit(text_png("After the fault"), "after.png")
    assert (job["status"], job["pages_done"]) == ("done", 1), job


@pytest.fixture
def store(redis_server) -> redis.Redis:
    return redis.Redis.from_url(redis_server.url, decode_responses=True)


@pytest.fixture
def account(store, service) -> Iterator[Account]:
    wait_until_idle(store)  # the jobs of earlier tests are not in the way
    account = Account(store, service.url)
    yield account
    account.http.close()


# --- A killed replica --------------------------------------------------------------------------


def replicas(deployment: str) -> dict[str, int]:
    """Name -> PID of the live replicas of a deployment of the app under test. (From the GCS
    actor table: `ray.util.state` needs the dashboard, which the test cluster runs without.)"""
    from ray._private import state

    return {
        actor["Name"]: actor["Pid"]
        for actor in state.actors().values()
        if actor["ActorClassName"] == f"ServeReplica:ocrchat:{deployment}" and actor["State"] == "ALIVE"
    }


def kill_replica(deployment: str) -> tuple[str, int]:
    """SIGKILL one replica process of the deployment; returns its name and PID."""
    live = replicas(deployment)
    assert live, f"no live {deployment} replica"
    name, pid = sorted(live.items())[0]
    assert f"ServeReplica:ocrchat:{deployment}" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    os.kill(pid, signal.SIGKILL)
    return name, pid


def wait_for_replacement(deployment: str, killed: str, count: int, service_url: str) -> None:
    """Wait until Serve runs `count` replicas again, a new one in place of the killed one, and
    the API answers."""
    deadline = time.monotonic() + REPLACEMENT_TIMEOUT
    while len(live := replicas(deployment)) < count or killed in live:
        assert time.monotonic() < deadline, f"Serve did not replace the killed {deployment} replica"
        time.sleep(1)
    while True:
        try:
            if httpx.get(f"{service_url}/healthz", timeout=60).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the service did not answer again after the replacement"
        time.sleep(1)


def test_a_killed_ocr_replica_neither_loses_nor_strands_the_job(service, store, account):
    job = account.submit(long_pdf(40, seed=1), "long.pdf", force_ocr="true")
    account.wait_for_pages(job["uuid"], 3)
    at_page = account.job(job["uuid"])["pages_done"]
    count = len(replicas("CpuOcr"))
    name, _ = kill_replica("CpuOcr")

    ended = account.wait_for_end(job["uuid"])
    print(f"OCR replica killed at page {at_page} of 40: job {ended['status']}, {ended['pages_done']} pages done")
    assert_ended_cleanly(ended)
    assert ended["status"] == "done", f"the job failed: {ended['error']}"
    assert ended["pages_failed"] == 0, [page["error"] for page in ended["pages"] if page.get("error")]
    wait_for_replacement("CpuOcr", name, count, service.url)
    assert_service_works(service.url, account)
    assert_books_balance(store, account)


def test_a_killed_ingress_replica_does_not_fail_the_jobs_it_accepted(service, store, account):
    job = account.submit(long_pdf(40, seed=4), "long.pdf", force_ocr="true")
    account.wait_for_pages(job["uuid"], 3)
    count = len(replicas("Ingress"))
    name, _ = kill_replica("Ingress")
    wait_for_replacement("Ingress", name, count, service.url)

    ended = account.wait_for_end(job["uuid"])
    print(f"ingress killed: job {ended['status']}, {ended['pages_done']} pages done, error {ended['error']!r}")
    assert_ended_cleanly(ended)
    assert_service_works(service.url, account)
    assert_books_balance(store, account)
    assert (ended["status"], ended["pages_done"]) == ("done", 40), ended["error"]


# --- Redis restarted --------------------------------------------------------------------------
# serve/redis_server.py runs redis-server with `--appendonly yes` (appendfsync everysec, the
# default) and no RDB snapshots: what Redis acknowledged has been written to the AOF file (the
# kernel holds it), so a killed redis-server loses nothing; only a machine crash could lose the
# last second.


def restart_redis(redis_server, store: redis.Redis, crash: bool, down_seconds: float = 0) -> None:
    """Stop the session's redis-server (SIGTERM: it flushes its AOF; or SIGKILL: a crash) and
    start it again on the same port and data folder, where it reloads the AOF."""
    if crash:
        os.kill(int(store.info("server")["process_id"]), signal.SIGKILL)
        time.sleep(0.5)
    redis_server.stop()  # reaps the killed process, or terminates the live one
    time.sleep(down_seconds)
    redis_server.start()


def settle(account: Account, timeout: float = 120) -> list[int]:
    """Call in bursts of concurrent requests until three bursts in a row are all 200; returns
    the status codes seen. (Each of the ingress's connections to the old Redis fails one request;
    a burst takes every pooled connection at once, so none is left for the modules after this.)"""
    seen: list[int] = []
    steady = 0
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(SETTLE_BURST) as pool:
        while steady < 3:
            assert time.monotonic() < deadline, f"no steady 200 {timeout} s after the restart: {seen}"
            burst = list(pool.map(lambda _: account.http.get("/api/v1/account/").status_code, range(SETTLE_BURST)))
            seen += burst
            steady = steady + 1 if set(burst) == {200} else 0
    return seen


def test_requests_right_after_a_redis_restart_are_answered(service, redis_server, store, account):
    assert account.http.get("/api/v1/account/").status_code == 200  # the ingress holds a connection
    restart_redis(redis_server, store, crash=False)
    statuses = [account.http.get("/api/v1/account/").status_code for _ in range(3)]
    settle(account)  # for the tests after this one
    assert statuses == [200, 200, 200]


@pytest.mark.parametrize("crash", [False, True], ids=["sigterm", "sigkill"])
def test_a_redis_restart_loses_no_job_and_no_credit(service, redis_server, store, account, crash):
    """A job running through a Redis restart ends (done, or failed with its unprocessed pages
    refunded: a page write that met the restart fails the job); nothing written before is lost."""
    before = account.submit(text_png("Before the restart"), "before.png")
    job = account.submit(long_pdf(40, seed=2), "long.pdf", force_ocr="true")
    account.wait_for_pages(job["uuid"], 3)
    time.sleep(1.5)  # past appendfsync everysec (and a killed redis-server loses nothing anyway)
    written = books(store, account.owner)
    at_page = account.job(job["uuid"])["pages_done"]

    restart_redis(redis_server, store, crash)
    settle(account)

    assert account.job(before["uuid"]) == before, "a finished job changed across the restart"
    after = books(store, account.owner)
    assert after.jobs == 2 and after.pages_done >= written.pages_done, "pages written before the restart were lost"
    assert after.credits_used <= written.credits_used, "the restart charged credits"
    ended = account.wait_for_end(job["uuid"], timeout=JOB_END_TIMEOUT + 3 * JOB_LEASE_SECONDS)
    assert_ended_cleanly(ended)
    print(f"redis {'killed' if crash else 'restarted'} at page {at_page} of 40: job {ended['status']}, "
          f"{ended['pages_done']} pages done, {ended['pages_failed']} failed, error {ended['error']!r}")  # fmt: skip
    assert_service_works(service.url, account)
    assert_books_balance(store, account)


def test_a_running_job_rides_out_a_short_redis_outage(service, redis_server, store, account):
    job = account.submit(long_pdf(40, seed=3), "long.pdf", force_ocr="true")
    account.wait_for_pages(job["uuid"], 3)
    restart_redis(redis_server, store, crash=False, down_seconds=2)
    settle(account)
    ended = account.wait_for_end(job["uuid"], timeout=JOB_END_TIMEOUT + 3 * JOB_LEASE_SECONDS)
    assert_ended_cleanly(ended)
    assert_books_balance(store, account)
    assert (ended["status"], ended["pages_done"]) == ("done", 40), ended["error"]


# --- The whole service restarted --------------------------------------------------------------


def test_jobs_running_or_waiting_at_a_restart_end_within_the_lease(service, store, account):
    """The runner holds two long jobs running and a third waiting for a slot; the app is
    redeployed (every replica new). None is resumed (README, "Not yet"): each one is failed,
    keeps the pages it finished and is charged only for them."""
    jobs = [account.submit(long_pdf(150, seed=10 + n), f"long{n}.pdf", force_ocr="true") for n in range(3)]
    account.wait_for_pages(jobs[0]["uuid"], 2)
    statuses = [account.job(job["uuid"])["status"] for job in jobs]
    assert "pending" in statuses, f"no job waited for a slot: {statuses}"
    print(f"restart: jobs {statuses}")

    service.restart()
    restarted = time.monotonic()
    assert_service_works(service.url, account)  # at once, while the old jobs wait for their end

    for job in jobs:
        ended = account.wait_for_end(job["uuid"])
        assert_ended_cleanly(ended)
        # Failed by the lease (LOST_JOB_ERROR), or by the old runner as its upload went away with
        # the old ingress ("The job failed: UserCodeException: UDF failed to process a data block.").
        assert ended["status"] == "failed", "a job was resumed: update this test and the README"
        print(f"restart: a {job['page_count']}-page job ended {ended['status']} with {ended['pages_done']} pages done, "
              f"{time.monotonic() - restarted:.0f} s after the restart")  # fmt: skip
    assert_books_balance(store, account)
