"""Webhooks: which callback URLs are called, the outbox in a real Redis, and events sent to a
local receiver, signed as Standard Webhooks says."""

import json
import time

import pytest
import redis
from standardwebhooks.webhooks import Webhook

from accounts.webhook_settings import new_webhook_secret
from pipelines.jobs.callback_targets import CallbackError, callback_target
from pipelines.jobs.record import new_job
from pipelines.jobs.store import JobStore
from pipelines.jobs.webhook_outbox import WebhookOutbox
from pipelines.jobs.webhook_sender import WebhookSender
from tests.webhook_receiver import webhook_receiver

SECRET = new_webhook_secret()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:8000/x", "127.0.0.1"),
        ("https://localhost/hook", "127.0.0.1"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("http://10.0.0.7/", "10.0.0.7"),
        ("http://[::1]/", "::1"),
        ("http://[fd00::5]/", "fd00::5"),
        ("http://100.64.0.1/", "100.64.0.1"),
        ("ftp://example.com/x", "http or https"),
        ("http://user:pw@example.com/", "user name"),
        ("http://no-such-host.invalid/", "cannot be resolved"),
    ],
)
def test_callback_urls_that_reach_inside_are_refused(url, words):
    with pytest.raises(CallbackError) as refused:
        callback_target(url, allow_private=False)
    assert words in str(refused.value)


def test_private_addresses_pass_when_allowed_and_the_address_is_pinned():
    target = callback_target("http://localhost:9/hook", allow_private=True)
    assert (target.host, target.address, target.port) == ("localhost", "127.0.0.1", 9)


@pytest.fixture
def client(redis_server):
    """Database 1: the session's service (database 0) has webhook senders of its own."""
    return redis.Redis.from_url(redis_server.url.removesuffix("/0") + "/1", decode_responses=True)


def _ended_job(client, url: str, cancel: bool = False) -> str:
    store = JobStore(client, ttl_seconds=600)
    job = new_job(tier="cpu", language="en", tool=None, filename="a.pdf", page_count=2, document_page_count=2)
    store.admit(2, cap=100)
    store.create(job, "anon:192.0.2.1", webhook=callback_target(url, allow_private=True))
    store.start(job["uuid"])
    if cancel:
        store.cancel(job["uuid"])
    else:
        record = {"index": 0, "source": "ocr", "text": "secret words", "markdown": "", "blocks": [], "tables": []}
        store.write_pages(job["uuid"], [record])
        store.finish(job["uuid"])
    return job["uuid"]


def test_an_ended_job_sends_one_signed_event_without_its_text(client):
    with webhook_receiver() as receiver:
        job_id = _ended_job(client, receiver.url)
        sender = WebhookSender(WebhookOutbox(client), lambda owner: SECRET)  # a new sender: as after a restart
        assert sender.send_due() == 1 and sender.send_due() == 0
    [request] = receiver.received
    assert request.path == "/hooks/ocr" and request.headers["webhook-id"] == f"msg_{job_id}"
    event = Webhook(SECRET).verify(request.body, request.headers)
    assert event["type"] == "job.done"
    assert event["data"] | {"finished_at": None} == {
        "uuid": job_id, "status": "done", "page_count": 2, "pages_failed": 0, "finished_at": None
    }  # fmt: skip
    assert b"secret words" not in request.body
    job = JobStore(client, 600).load(job_id)[0]
    assert job["webhook"] == {"status": "delivered", "attempts": 1, "last_error": None}


def test_a_failed_delivery_is_retried_then_given_up(client, monkeypatch):
    monkeypatch.setattr("pipelines.jobs.webhook_outbox.RETRY_SECONDS", (0.2,))
    with webhook_receiver() as receiver:
        receiver.statuses = [500]
        job_id = _ended_job(client, receiver.url, cancel=True)
        sender = WebhookSender(WebhookOutbox(client), lambda owner: SECRET)
        sender.send_due()
        assert JobStore(client, 600).load(job_id)[0]["webhook"] == {
            "status": "pending", "attempts": 1, "last_error": "HTTP 500"
        }  # fmt: skip
        time.sleep(0.3)
        assert sender.send_due() == 1
    assert [json.loads(request.body)["type"] for request in receiver.received] == ["job.cancelled"] * 2
    assert JobStore(client, 600).load(job_id)[0]["webhook"]["status"] == "delivered"

    monkeypatch.setattr("pipelines.jobs.webhook_outbox.RETRY_WINDOW_SECONDS", 0)
    with webhook_receiver() as receiver:
        receiver.statuses = [503]
        job_id = _ended_job(client, receiver.url)
        WebhookSender(WebhookOutbox(client), lambda owner: SECRET).send_due()
    assert JobStore(client, 600).load(job_id)[0]["webhook"] == {
        "status": "failed", "attempts": 1, "last_error": "HTTP 503"
    }  # fmt: skip


def test_a_redirect_is_not_followed(client):
    with webhook_receiver() as receiver:
        receiver.statuses = [307]
        job_id = _ended_job(client, receiver.url)
        WebhookSender(WebhookOutbox(client), lambda owner: SECRET).send_due()
    assert len(receiver.received) == 1
    assert JobStore(client, 600).load(job_id)[0]["webhook"]["last_error"] == "HTTP 307"
