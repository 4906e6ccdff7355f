"""Load from a second process (`load_client.py`): many small uploads and a few long PDFs from
distinct clients at once. No 5xx but a polite 429/503, every job ends, and every caller is
charged exactly the pages that were processed.

The books are checked on the service's side too: Redis holds each caller's jobs (with their
page counters) and usage counters, and both must agree with what the client saw.
"""

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from accounts.store import CREDITS_USED, account_key, create_account
from pipelines.jobs.store import ACTIVE_JOBS_KEY, QUEUED_PAGES_KEY

LOAD_CLIENT = Path(__file__).with_name("load_client.py")
LOAD_SECONDS = 60
CLIENTS = 12
LONG_JOBS = 3
LONG_PAGES = 8
DRAIN_TIMEOUT = 420  # generous: the machine's 2 cores are shared with other test runs
IDLE_TIMEOUT = 600


# --- The service's books (shared with the other reliability modules) --------------------------


def wait_until_idle(store: redis.Redis, timeout: float = IDLE_TIMEOUT) -> None:
    """Wait until no job is pending or processing anywhere (the lease set is empty)."""
    deadline = time.monotonic() + timeout
    while store.zcard(ACTIVE_JOBS_KEY):
        if time.monotonic() > deadline:
            raise AssertionError(f"jobs still active after {timeout} s: {store.zrange(ACTIVE_JOBS_KEY, 0, -1)}")
        time.sleep(1)


def queued_pages(store: redis.Redis) -> int:
    return int(store.get(QUEUED_PAGES_KEY) or 0)


@dataclass(frozen=True)
class Books:
    """One caller's jobs and usage, as Redis holds them."""

    owner: str
    jobs: int
    unended: int
    pages: int
    pages_done: int
    pages_failed: int
    credits_used: int


def books(store: redis.Redis, owner: str) -> Books:
    """`owner`: `anon:<ip>` or `account:<id>` (a decode_responses client)."""
    keys = [key for key in store.scan_iter(match="ocrchat:job:*", count=1000) if key.count(":") == 2]
    with store.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.hmget(key, ["owner", "status", "page_count", "pages_done", "pages_failed"])
        rows = [row for row in pipe.execute() if row[0] == owner]
    return Books(
        owner=owner,
        jobs=len(rows),
        unended=sum(row[1] not in ("done", "failed") for row in rows),
        pages=sum(int(row[2]) for row in rows),
        pages_done=sum(int(row[3]) for row in rows),
        pages_failed=sum(int(row[4]) for row in rows),
        credits_used=credits_used(store, owner),
    )


def credits_used(store: redis.Redis, owner: str) -> int:
    """Credits used by a caller in every period its usage counters hold (a day or a month may
    roll over during a test), plus a paid account's purchased credits used."""
    kind, _, who = owner.partition(":")
    used = sum(int(store.hget(key, "used") or 0) for key in store.scan_iter(match=f"ocrchat:usage:{kind}:{who}:*"))
    if kind == "account":
        used += int(store.hget(account_key(who), CREDITS_USED) or 0)
    return used


# --- The test ----------------------------------------------------------------------------------


def _report(summary: dict) -> str:
    latency = summary["latency_seconds"]
    jobs, pages = summary["jobs"], summary["pages"]
    lines = [
        f"load: {summary['load_seconds']} s, {CLIENTS} upload clients + {LONG_JOBS} long-PDF clients",
        f"  requests {summary['requests']} ({summary['requests_per_second']}/s) {summary['requests_by_kind']}",
        f"  status codes {summary['status_codes']}; refused with Retry-After {summary['refused_with_retry_after']}",
        f"  other 5xx {summary['bad_5xx_count']}; transport errors {summary['transport_error_count']}",
    ]
    for kind in ("submit_all", "submit_png", "submit_long", "poll"):
        if kind in latency and latency[kind]["n"]:
            values = latency[kind]
            lines.append(f"  latency {kind}: n={values['n']} p50={values['p50']} s p95={values['p95']} s")
    lines += [
        f"  jobs accepted {jobs['accepted']} (long {jobs['long']}, cancelled {jobs['cancelled']}), "
        f"ended {jobs['ended']} (done {jobs['done']}, failed {jobs['failed']}), "
        f"all ended {summary['drain_seconds']} s after the load stopped",
        f"  pages accepted {pages['accepted']}, done {pages['done']}, failed {pages['failed']}; "
        f"credits used {summary['credits']['used']}",
    ]
    return "\n".join(lines)


@pytest.mark.slow
def test_load_from_another_process(service, redis_server, tmp_path, capsys):
    store = redis.Redis.from_url(redis_server.url, decode_responses=True)
    wait_until_idle(store)  # the queue is ours alone
    accounts = [create_account(store, "free"), create_account(store, "paid", credits=100_000)]
    out = tmp_path / "load_summary.json"
    command = [sys.executable, str(LOAD_CLIENT), "--url", service.url, "--out", str(out)]
    command += ["--duration", str(LOAD_SECONDS), "--clients", str(CLIENTS), "--long-jobs", str(LONG_JOBS)]
    command += ["--long-pages", str(LONG_PAGES), "--drain-timeout", str(DRAIN_TIMEOUT)]
    for _, token in accounts:
        command += ["--token", token]
    result = subprocess.run(command, capture_output=True, text=True, timeout=LOAD_SECONDS + DRAIN_TIMEOUT + 300)
    assert result.returncode == 0, result.stderr[-4000:]
    summary = json.loads(out.read_text())
    with capsys.disabled():
        print("\n" + _report(summary))

    assert summary["transport_error_count"] == 0, summary["transport_errors"]
    assert summary["bad_5xx_count"] == 0, summary["bad_5xx"]
    jobs = summary["jobs"]
    assert jobs["unended"] == [], f"jobs not ended {DRAIN_TIMEOUT} s after the load stopped"
    assert jobs["accepted"] > CLIENTS and jobs["long"] >= LONG_JOBS, "the load did not run"
    assert summary["pages"]["failed"] > 0, "no corrupt page was processed: refunds went untested"

    owners = {f"token:{n}": f"account:{account_id}" for n, (account_id, _) in enumerate(accounts)}
    for caller in summary["callers"]:
        owner = owners.get(caller["caller"], caller["caller"])
        held = books(store, owner)
        seen = (caller["jobs"], caller["pages"], caller["pages_done"], caller["pages_failed"])
        assert (held.jobs, held.pages, held.pages_done, held.pages_failed) == seen, (owner, held, caller)
        assert held.unended == 0, held
        assert caller["credits_used"] == held.credits_used == held.pages_done, (owner, held, caller)
    wait_until_idle(store)
    assert queued_pages(store) == 0
