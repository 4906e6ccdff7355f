"""Jobs live in Redis: a redeployed app (all replicas new) still answers for them, and a job
whose runner is gone is failed when its lease runs out instead of staying stuck."""

import time

import pytest
import redis

from pipelines.jobs.record import new_job
from pipelines.jobs.store import LOST_JOB_ERROR, JobStore
from tests.conftest import JOB_LEASE_SECONDS
from tests.documents import data_file, scanned_pdf
from tests.test_api_long_jobs import wait_for_end


@pytest.mark.slow
def test_job_survives_an_app_restart(client, service):
    job = client.post("/api/v1/ocr/", files={"file": ("p.jpg", data_file("img_exif_orientation.jpg"))}).json()
    service.restart()
    assert client.get("/healthz").status_code == 200
    fetched = client.get(f"/api/v1/ocr/{job['uuid']}/")
    assert fetched.status_code == 200
    assert fetched.json() == job


def test_a_job_whose_runner_is_gone_is_failed_not_stuck(client, redis_server):
    """A job left behind by a runner that died (or a service restart) is failed once its lease
    runs out, and the service's other jobs go on."""
    store = JobStore(redis.Redis.from_url(redis_server.url, decode_responses=True), ttl_seconds=600)
    job = new_job(tier="cpu", language="en", tool=None, filename="lost.pdf", page_count=3, document_page_count=3)
    store.create(job, "anon:127.0.0.1")
    assert store.start(job["uuid"])  # it was running; no runner holds it now
    deadline = time.monotonic() + 3 * JOB_LEASE_SECONDS
    while client.get(f"/api/v1/ocr/{job['uuid']}/").json()["status"] == "processing":
        assert time.monotonic() < deadline, "the lost job stayed processing"
        time.sleep(1)
    assert client.get(f"/api/v1/ocr/{job['uuid']}/").json()["error"] == LOST_JOB_ERROR
    # A job that runs longer than the lease is renewed by its runner, not failed.
    long_job = client.post("/api/v1/ocr/", files={"file": ("s.pdf", scanned_pdf(["phototest.tif"] * 14))}).json()
    done, _ = wait_for_end(client, long_job["uuid"])
    assert done["status"] == "done", done["error"]
