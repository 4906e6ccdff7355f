"""Jobs in a real Redis: status changes, page writes, cancel and the queue of pages."""

import json
from datetime import UTC, datetime

import pytest
import redis

from accounts.metering import Metering, meter_for
from accounts.plans import plan_named
from configs.settings import Settings
from exports.searchable_pdf import page_outline
from pipelines.jobs.record import PageCounts, ended_status, job_state, new_job
from pipelines.jobs.store import ACTIVE_JOBS_KEY, LOST_JOB_ERROR, QUEUED_PAGES_KEY, JobStore


@pytest.fixture
def store(redis_server):
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    client.delete(QUEUED_PAGES_KEY)
    yield JobStore(client, ttl_seconds=600)
    client.delete(QUEUED_PAGES_KEY)


def queued(store: JobStore) -> int:
    return int(store._redis.get(QUEUED_PAGES_KEY) or 0)


def created(store: JobStore, pages: int) -> str:
    job = new_job(tier="cpu", language="en", tool=None, filename="a.pdf", page_count=pages, document_page_count=pages)
    assert store.admit(pages, cap=100) is None
    store.create(job, "anon:test")
    return job["uuid"]


def page(index: int, text: str = "x", error: str | None = None) -> dict:
    record = {"index": index, "source": "ocr", "text": text, "markdown": text, "blocks": []}
    return record | {"error": error} if error else record


def test_pages_written_out_of_order_come_back_in_order(store):
    job_id = created(store, 3)
    assert store.start(job_id)
    for index in (2, 0, 1):
        assert store.write_page(job_id, page(index, f"page {index}"))
    assert store.finish(job_id)
    job, owner = store.load(job_id)
    assert owner == "anon:test"
    assert (job["status"], job["pages_done"], job["text"]) == ("done", 3, "page 0\n\npage 1\n\npage 2")
    assert job["finished_at"] and job["expires_at"] > job["finished_at"]
    assert queued(store) == 0


def test_a_page_written_twice_counts_once(store):
    job_id = created(store, 2)
    store.start(job_id)
    store.write_page(job_id, page(0))
    store.write_page(job_id, page(0))
    assert store.counts(job_id) == (1, 0)
    assert queued(store) == 1


def test_pages_written_together_count_each_new_page_once(store):
    job_id = created(store, 5)
    store.start(job_id)
    read = page(0) | {"blocks": [{"text": "x", "bbox": [0, 0, 1, 1], "confidence": 0.5}]}
    store.write_pages(job_id, [read])
    twice_read = page(1) | {"blocks": [{"text": "y", "bbox": [0, 0, 1, 1], "confidence": 0.75}] * 2}
    assert store.write_pages(job_id, [read, twice_read, page(2, "", error="corrupt")])  # page 0 again: skipped
    assert store.counts(job_id) == (2, 1)
    assert queued(store) == 2
    store.finish(job_id)
    job, _ = store.load(job_id)
    assert job["mean_confidence"] == round((0.5 + 0.75 * 2) / 3, 4)
    assert [page["index"] for page in job["pages"]] == [0, 1, 2]


def test_cancel_drops_later_pages_and_gives_back_the_rest(store):
    job_id = created(store, 10)
    store.start(job_id)
    store.write_page(job_id, page(0))
    assert store.cancel(job_id)
    assert not store.write_page(job_id, page(1))
    job, _ = store.load(job_id)
    assert (job["status"], job["error"], job["pages_done"]) == ("failed", "cancelled", 1)
    assert queued(store) == 0
    assert not store.finish(job_id)  # a cancelled job stays cancelled


def test_a_pending_job_cancelled_never_starts(store):
    job_id = created(store, 4)
    assert store.cancel(job_id)
    assert not store.start(job_id)


def test_all_pages_failed_fails_the_job(store):
    job_id = created(store, 2)
    store.start(job_id)
    store.write_page(job_id, page(0, "", error="corrupt"))
    store.write_page(job_id, page(1, "", error="corrupt"))
    store.finish(job_id)
    job, _ = store.load(job_id)
    assert (job["status"], job["pages_failed"]) == ("failed", 2)
    assert "all 2 pages failed" in job["error"].lower()


def test_admission_refuses_past_the_cap_but_never_an_empty_queue(store):
    assert store.admit(150, cap=100) is None  # alone, even a document larger than the cap runs
    assert store.admit(1, cap=100) == 150
    store.release(150)
    assert store.admit(60, cap=100) is None
    assert store.admit(50, cap=100) == 60
    assert store.admit(40, cap=100) is None


def test_delete_removes_the_job_and_its_pages(store):
    job_id = created(store, 1)
    store.start(job_id)
    store.write_page(job_id, page(0))
    store.finish(job_id)
    assert all(0 < store._redis.ttl(key) <= 600 for key in store._redis.keys(f"ocrchat:job:{job_id}*"))
    store.delete(job_id)
    assert store.load(job_id) is None
    assert store._redis.keys(f"ocrchat:job:{job_id}*") == []


def test_a_job_no_runner_renews_is_failed_and_refunded(store):
    meter = meter_for("anon:192.0.2.77", plan_named("anonymous", Settings()), datetime.now(UTC))
    assert Metering(store._redis).reserve(meter, 4).reserved
    job = new_job(tier="cpu", language="en", tool=None, filename="a.pdf", page_count=4, document_page_count=4)
    assert store.admit(4, cap=100) is None
    store.create(job, "anon:192.0.2.77", meter, page_credits=1)
    kept = created(store, 2)
    assert store.start(job["uuid"]) and store.write_page(job["uuid"], page(0))
    store.renew_leases([kept])
    assert store.fail_lost_jobs(lease_seconds=60) == []  # both were vouched for just now
    store._redis.zadd(ACTIVE_JOBS_KEY, {job["uuid"]: 1.0})  # its runner's last renewal: long ago

    assert store.fail_lost_jobs(lease_seconds=60) == [job["uuid"]]

    lost, _ = store.load(job["uuid"])
    assert (lost["status"], lost["error"], lost["pages_done"]) == ("failed", LOST_JOB_ERROR, 1)
    assert Metering(store._redis).usage(meter)[0] == 1  # the 3 pages never processed are given back
    assert queued(store) == 2  # only the other job's pages are still queued
    assert store._redis.zscore(ACTIVE_JOBS_KEY, job["uuid"]) is None
    assert store._redis.zscore(ACTIVE_JOBS_KEY, kept) is not None


def test_pages_written_together_count_each_once_and_a_cancel_drops_them(store):
    job_id = created(store, 6)
    store.start(job_id)
    assert store.write_pages(job_id, [page(0), page(1), page(1), page(2, "", error="corrupt")])
    assert store.counts(job_id) == (2, 1)
    assert queued(store) == 3
    store.cancel(job_id)
    assert not store.write_pages(job_id, [page(3), page(4)])
    assert store.counts(job_id) == (2, 1)


def test_the_job_text_joins_its_pages_texts_in_page_order_skipping_empty_ones(store):
    job_id = created(store, 4)
    store.start(job_id)
    store.write_pages(job_id, [page(3, "fourth"), page(1, ""), page(0, "first"), page(2, "", error="bad page")])
    assert store.finish(job_id)
    job = store.load(job_id)[0]
    assert (job["text"], job["markdown"]) == ("first\n\nfourth", "first\n\nfourth")


def test_pages_read_a_few_at_a_time_come_back_in_page_order(store, monkeypatch):
    monkeypatch.setattr("pipelines.jobs.store.PAGES_PER_READ", 3)
    job_id = created(store, 11)
    store.start(job_id)
    store.write_pages(job_id, [page(index, f"page {index}") for index in (10, 2, 0, 9, 1, 5, 3, 4, 8, 7, 6)])

    records = store.page_records(job_id)
    assert [record["index"] for record in records] == list(range(11))
    assert [json.loads(page) for page in store.iter_page_jsons(job_id)] == records
    assert list(store.page_outlines(job_id)) == [page_outline(record) for record in records]
    assert store.page_record(job_id, 9)["text"] == "page 9" and store.page_record(job_id, 11) is None


def test_a_job_streamed_in_pieces_is_the_job_in_one(store, monkeypatch):
    monkeypatch.setattr("pipelines.jobs.store.PAGES_PER_READ", 4)
    monkeypatch.setattr("pipelines.jobs.job_json.STREAM_PIECE_CHARS", 300)
    job_id = created(store, 10)
    store.start(job_id)
    assert len(list(store.load_json_chunks(job_id)[0])) == 1  # while it runs: no pages yet
    texts = [f'page {index}: "quoted"\tand \\ ünïcode ✓' for index in range(10)]
    store.write_pages(job_id, [page(index, text) for index, text in enumerate(texts)])
    store.finish(job_id)

    chunks, owner = store.load_json_chunks(job_id)
    pieces = list(chunks)
    job = json.loads("".join(pieces))
    assert len(pieces) > 3 and all(len(piece) >= 300 for piece in pieces[:-1]) and owner == "anon:test"
    assert [page["index"] for page in job["pages"]] == list(range(10))
    assert job["text"] == job["markdown"] == "\n\n".join(texts)
    assert "".join(pieces) == store.load_json(job_id)[0]


def test_a_filename_that_looks_like_a_piece_of_the_job_stays_a_filename(store):
    job = new_job(tier="cpu", language="en", tool=None, filename="\x00text\x00", page_count=1, document_page_count=1)
    assert store.admit(1, cap=100) is None
    store.create(job, "anon:test")
    store.start(job["uuid"])
    store.write_pages(job["uuid"], [page(0, "the page's own text")])
    store.finish(job["uuid"])
    loaded = json.loads(store.load_json(job["uuid"])[0])
    assert loaded["filename"] == "\x00text\x00" and loaded["text"] == "the page's own text"


def test_counters_and_final_state_from_page_records():
    """One computation of a job's counters and status, for the store and for `ocrchat convert`."""
    read = {"index": 0, "blocks": [{"confidence": 0.9}, {"confidence": 0.7}]}
    failed = {"index": 1, "blocks": [], "error": "OCR failed"}
    counts = PageCounts.of_pages([read, failed])
    assert ended_status(counts) == ("done", None)
    state = job_state("done", None, counts, "2026-01-01T00:00:00Z", None)
    assert (state["pages_done"], state["pages_failed"], state["mean_confidence"]) == (1, 1, 0.8)
    all_failed = PageCounts.of_pages([failed, failed | {"index": 2}])
    assert ended_status(all_failed) == ("failed", "All 2 pages failed; see pages[].error.")
    assert job_state("failed", "x", all_failed, None, None)["mean_confidence"] is None
    assert job_state("done", None, PageCounts(pages_done=1), None, None)["mean_confidence"] == 0.0
