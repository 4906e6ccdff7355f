"""Webhooks through the real service: a job's signed event reaches a local receiver when it ends."""

import os
import subprocess
import sys

from standardwebhooks.webhooks import Webhook

from tests.conftest import ANONYMOUS_WEBHOOK_SECRET
from tests.documents import born_digital_pdf
from tests.test_accounts import create_account
from tests.webhook_receiver import webhook_receiver


def _cli(redis_url: str, *args: str) -> str:
    env = {**os.environ, "OCRCHAT_REDIS_URL": redis_url, "OCRCHAT_WEBHOOK_ALLOW_PRIVATE": "true"}
    command = [sys.executable, "-m", "serve.cli", "accounts", *args]
    run = subprocess.run(command, capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip().splitlines()[-1]


def _job_after_delivery(client, receiver, job_id: str) -> dict:
    assert receiver.arrived.wait(30), "no webhook arrived"
    return client.get(f"/api/v1/ocr/{job_id}/").json()


def test_an_anonymous_jobs_event_is_signed_with_the_servers_secret(client):
    with webhook_receiver() as receiver:
        files = {"file": ("a.pdf", born_digital_pdf(2))}
        job = client.post("/api/v1/ocr/", files=files, data={"callback_url": receiver.url}).json()
        assert job["status"] == "done"
        seen = _job_after_delivery(client, receiver, job["uuid"])
    [request] = receiver.received
    event = Webhook(ANONYMOUS_WEBHOOK_SECRET).verify(request.body, request.headers)
    assert (event["type"], event["data"]["uuid"], event["data"]["page_count"]) == ("job.done", job["uuid"], 2)
    assert seen["webhook"]["status"] == "delivered" and seen["webhook"]["attempts"] == 1


def test_an_accounts_jobs_go_to_its_default_url_signed_with_its_own_secret(client, redis_server):
    token = create_account(redis_server.url)
    headers = {"Authorization": f"Bearer {token}"}
    account_id = client.get("/api/v1/account/", headers=headers).json()["account"]
    secret = _cli(redis_server.url, "webhook-secret", account_id)
    assert secret.startswith("whsec_") and secret != ANONYMOUS_WEBHOOK_SECRET
    with webhook_receiver() as receiver:
        _cli(redis_server.url, "webhook-url", account_id, receiver.url)
        job = client.post("/api/v1/ocr/", files={"file": ("b.pdf", born_digital_pdf(1))}, headers=headers).json()
        _job_after_delivery(client, receiver, job["uuid"])
    event = Webhook(secret).verify(receiver.received[0].body, receiver.received[0].headers)
    assert event["data"]["uuid"] == job["uuid"]
