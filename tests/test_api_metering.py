"""Plans and per-page metering through the real service: each allowance runs out with the exact
`used`/`cap`, concurrent uploads never pass a cap, unprocessed pages are given back."""

import io
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import redis
from PIL import Image, ImageDraw

from accounts.metering import meter_for
from accounts.plans import plan_named
from accounts.store import create_account
from configs.settings import Settings
from tests.conftest import ANONYMOUS_DAILY_PAGES
from tests.documents import born_digital_pdf, multipage_tiff, scanned_pdf, with_corrupt_image
from tests.test_api_long_jobs import submit, wait_for_end

FREE_MONTHLY_PAGES = Settings().free_monthly_pages
FREE_MAX_PAGES_PER_FILE = Settings().free_max_pages_per_file


@pytest.fixture(scope="module")
def store(redis_server) -> redis.Redis:
    return redis.Redis.from_url(redis_server.url, decode_responses=True)


def tiny_png(text: str = "Total 42") -> bytes:
    image = Image.new("RGB", (240, 60), "white")
    ImageDraw.Draw(image).text((10, 20), text, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def usage_key(owner: str, plan: str) -> str:
    return meter_for(owner, plan_named(plan, Settings()), datetime.now(UTC)).key


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def account_view(client, headers: dict) -> dict:
    response = client.get("/api/v1/account/", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_anonymous_daily_allowance_runs_out_per_client_ip(client, store):
    ip = "203.0.113.50"
    headers = {"X-Forwarded-For": ip}  # the test client's 127.0.0.1 is a trusted proxy here
    store.hset(usage_key(f"anon:{ip}", "anonymous"), "used", ANONYMOUS_DAILY_PAGES - 2)
    refused = submit(client, multipage_tiff("phototest.tif", "phototest.tif", "phototest.tif"), headers=headers)
    assert refused.status_code == 402, refused.text
    body = refused.json()
    assert (body["used"], body["cap"], body["allowance"]) == (ANONYMOUS_DAILY_PAGES - 2, ANONYMOUS_DAILY_PAGES,
                                                               "anonymous_daily")  # fmt: skip
    assert "needs 3" in body["detail"]
    assert submit(client, tiny_png(), "t.png", headers=headers).status_code == 200
    view = account_view(client, headers)
    assert (view["plan"], view["used"], view["balance"]) == ("anonymous", ANONYMOUS_DAILY_PAGES - 1, 1)
    # Another IP's allowance is its own.
    assert account_view(client, {"X-Forwarded-For": "203.0.113.51"})["used"] == 0


def test_a_forged_forwarded_line_does_not_move_the_charge(client, store):
    """The trusted proxy appends its own X-Forwarded-For line after the client's forged one."""
    forged, real = "203.0.113.60", "203.0.113.61"
    lines = [("X-Forwarded-For", forged), ("X-Forwarded-For", real)]
    assert submit(client, tiny_png(), "t.png", headers=lines).status_code == 200
    assert account_view(client, {"X-Forwarded-For": real})["used"] == 1
    assert account_view(client, {"X-Forwarded-For": forged})["used"] == 0


def test_free_monthly_allowance_runs_out(client, store):
    account_id, token = create_account(store, "free")
    store.hset(usage_key(f"account:{account_id}", "free"), "used", FREE_MONTHLY_PAGES - 1)
    refused = submit(client, multipage_tiff("phototest.tif", "phototest.tif"), headers=bearer(token))
    assert refused.status_code == 402
    assert {k: refused.json()[k] for k in ("used", "cap", "allowance")} == {
        "used": FREE_MONTHLY_PAGES - 1,
        "cap": FREE_MONTHLY_PAGES,
        "allowance": "free_monthly",
    }
    assert submit(client, tiny_png(), "t.png", headers=bearer(token)).status_code == 200
    view = account_view(client, bearer(token))
    assert (view["account"], view["plan"], view["used"], view["cap"], view["balance"]) == (
        account_id, "free", FREE_MONTHLY_PAGES, FREE_MONTHLY_PAGES, 0)  # fmt: skip
    assert view["period"] == datetime.now(UTC).strftime("%Y-%m")


def test_paid_credits_run_out(client, store):
    _, token = create_account(store, "paid", credits=5)
    three_pages = multipage_tiff("phototest.tif", "phototest.tif", "phototest.tif")
    assert submit(client, three_pages, headers=bearer(token)).status_code == 200
    refused = submit(client, three_pages, headers=bearer(token))
    assert refused.status_code == 402
    assert (refused.json()["used"], refused.json()["cap"], refused.json()["allowance"]) == (3, 5, "paid_credits")
    assert account_view(client, bearer(token))["balance"] == 2


def test_a_file_over_the_plans_page_cap_is_refused_before_any_work(client, store):
    account_id, token = create_account(store, "free")
    response = submit(client, born_digital_pdf(FREE_MAX_PAGES_PER_FILE + 1, lines=2), headers=bearer(token))
    assert response.status_code == 402
    body = response.json()
    assert (body["page_count"], body["cap"], body["allowance"]) == (
        FREE_MAX_PAGES_PER_FILE + 1, FREE_MAX_PAGES_PER_FILE, "max_pages_per_file")  # fmt: skip
    assert f"{FREE_MAX_PAGES_PER_FILE + 1} pages" in body["detail"] and str(FREE_MAX_PAGES_PER_FILE) in body["detail"]
    assert account_view(client, bearer(token))["used"] == 0


def test_fifty_concurrent_uploads_against_twenty_credits_charge_exactly_twenty(client, store):
    _, token = create_account(store, "paid", credits=20)
    image = tiny_png()
    with ThreadPoolExecutor(50) as pool:
        codes = list(pool.map(lambda _: submit(client, image, "t.png", headers=bearer(token)).status_code, range(50)))
    assert (codes.count(200), codes.count(402)) == (20, 30), codes
    assert account_view(client, bearer(token))["used"] == 20


def test_failed_pages_are_given_back(client, store):
    _, token = create_account(store, "paid", credits=10)
    one_bad_page = with_corrupt_image(scanned_pdf(["phototest.tif", "phototest.tif"]), 1)
    job = submit(client, one_bad_page, headers=bearer(token)).json()
    assert (job["status"], job["pages_done"], job["pages_failed"]) == ("done", 1, 1)
    assert account_view(client, bearer(token))["used"] == 1
    all_bad = with_corrupt_image(scanned_pdf(["phototest.tif"]), 0)
    failed = submit(client, all_bad, headers=bearer(token)).json()
    assert failed["status"] == "failed"
    assert account_view(client, bearer(token))["used"] == 1


def test_a_cancelled_job_is_charged_only_its_processed_pages(client, store):
    _, token = create_account(store, "paid", credits=10)
    job = submit(client, scanned_pdf(["phototest.tif"] * 6), headers=bearer(token)).json()
    assert account_view(client, bearer(token))["used"] == 6  # reserved up front
    cancelled = client.delete(f"/api/v1/ocr/{job['uuid']}/", headers=bearer(token)).json()
    assert cancelled["error"] == "cancelled"
    ended, _ = wait_for_end(client, job["uuid"], timeout=60, headers=bearer(token))
    assert ended["pages_done"] < 6
    assert account_view(client, bearer(token))["used"] == ended["pages_done"]


def ocrchat(redis_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OCRCHAT_REDIS_URL": redis_url}
    return subprocess.run([sys.executable, "-m", "serve.cli", "accounts", *args], capture_output=True, text=True,
                          env=env, timeout=60)  # fmt: skip


def test_console_manages_tokens_and_credits(client, redis_server):
    created = ocrchat(redis_server.url, "create", "--plan", "paid", "--credits", "2")
    assert created.returncode == 0, created.stderr
    account_id = created.stdout.split()[3].rstrip(".")
    first = created.stdout.strip().splitlines()[-1]
    issued = ocrchat(redis_server.url, "issue-token", account_id)
    second = issued.stdout.strip().splitlines()[-1]
    second_id = issued.stdout.split()[2]
    assert account_view(client, bearer(second))["account"] == account_id
    assert ocrchat(redis_server.url, "add-credits", account_id, "3").stdout.strip().endswith("5 purchased credits.")
    usage = ocrchat(redis_server.url, "usage", account_id).stdout
    assert "plan paid: 0 of 5 credits used" in usage and usage.count("token ") == 2
    assert ocrchat(redis_server.url, "revoke-token", account_id, second_id).returncode == 0
    assert client.get("/api/v1/account/", headers=bearer(second)).status_code == 401
    assert account_view(client, bearer(first))["cap"] == 5
    assert account_id in ocrchat(redis_server.url, "list").stdout
    refused = ocrchat(redis_server.url, "add-credits", account_id, "0")
    assert refused.returncode == 1 and "positive" in refused.stderr
    free = ocrchat(redis_server.url, "create").stdout.split()[3].rstrip(".")
    assert "only paid accounts" in ocrchat(redis_server.url, "add-credits", free, "5").stderr
