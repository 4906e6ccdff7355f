"""Chat with a finished job through the real service (no language model deployed: extractive
answers): the right page cited with real text from it, "not found" when the document does
not say, the conversation kept in order, and the 401/404/409 paths."""

import pymupdf
import pytest
import redis

from accounts.store import create_account
from tests.documents import data_file, scanned_pdf
from tests.test_api_long_jobs import submit, wait_for_end

INVOICE_PAGES = [
    ["INVOICE 2041", "Seller: Acme Corp, 5 Harbour Street, Bristol", "Customer: Globex Ltd, 12 Mill Road, Leeds",
     "Invoice date: 3 February 2027"],
    ["Line items", "Steel brackets\t120\t3.50\t420.00", "Copper pipe 2m\t40\t12.00\t480.00",
     "Installation labour\t8\t41.81\t334.50"],
    ["Summary", "Total due: 1,234.50 EUR", "Payment terms: bank transfer within 30 days, by 15 March 2027",
     "Late payments incur interest of 2 percent per month"],
]  # fmt: skip
NOT_FOUND = "Not found in the document."


def invoice_pdf() -> bytes:
    pdf = pymupdf.open()
    for lines in INVOICE_PAGES:
        page = pdf.new_page(width=595, height=842)
        for number, line in enumerate(lines):
            for column, cell in enumerate(line.split("\t")):
                page.insert_text((60 + 120 * column, 80 + 30 * number), cell, fontsize=11)
    return pdf.tobytes()


def new_account(redis_server) -> dict:
    """The headers of a new free account's calls."""
    _, token = create_account(redis.Redis.from_url(redis_server.url, decode_responses=True), "free")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def account(redis_server) -> dict:
    return new_account(redis_server)


@pytest.fixture(scope="module")
def invoice_job(client, account) -> dict:
    job = submit(client, invoice_pdf(), "invoice.pdf", headers=account).json()
    assert job["status"] == "done", job
    return job


def ask(client, job: dict, headers: dict, message: str) -> dict:
    response = client.post(f"/api/v1/chat/{job['uuid']}/", json={"message": message}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def assert_cites(reply: dict, job: dict, page: int) -> None:
    """The reply cites `page` (from 1) first, with a snippet that is text of that page."""
    citations = reply["message"]["citations"]
    assert citations and citations[0]["page"] == page, reply
    page_text = " ".join(next(p for p in job["pages"] if p["index"] == page - 1)["text"].split())
    assert " ".join(citations[0]["snippet"].split()) in page_text


def test_answers_cite_the_page_that_holds_them(client, account, invoice_job):
    total = ask(client, invoice_job, account, "What is the total due?")
    assert total["message"]["role"] == "assistant" and total["message"]["mode"] == "extractive"
    assert "1,234.50 EUR" in total["message"]["content"] and "(p. 3)" in total["message"]["content"]
    assert_cites(total, invoice_job, 3)
    assert_cites(ask(client, invoice_job, account, "Who is the customer?"), invoice_job, 1)
    assert_cites(ask(client, invoice_job, account, "How much did the copper pipe cost?"), invoice_job, 2)


def test_an_unanswerable_question_says_so(client, account, invoice_job):
    reply = ask(client, invoice_job, account, "What is the name of the chief executive's dog?")
    assert reply["message"]["content"] == NOT_FOUND and reply["message"]["citations"] == []


def test_history_holds_every_turn_in_order(client, account):
    job = submit(client, invoice_pdf(), "invoice.pdf", headers=account).json()
    first = ask(client, job, account, "When is payment due?")
    second = ask(client, job, account, "And what interest is charged if late?")
    assert first["conversation"] == second["conversation"]
    history = client.get(f"/api/v1/chat/{job['uuid']}/history/", headers=account).json()
    assert history["conversation"] == first["conversation"]
    assert [(m["role"], m["content"]) for m in history["messages"]] == [
        ("user", "When is payment due?"), ("assistant", first["message"]["content"]),
        ("user", "And what interest is charged if late?"), ("assistant", second["message"]["content"]),
    ]  # fmt: skip
    assert history["messages"][3]["citations"] == second["message"]["citations"]
    assert "2 percent" in second["message"]["content"]


@pytest.mark.slow
def test_a_real_report_is_answered_from_the_right_pages(client, account):
    job = submit(client, data_file("redp5110_sampled.pdf"), "redp5110_sampled.pdf", headers=account).json()
    job, _ = wait_for_end(client, job["uuid"], headers=account)
    breaches = ask(client, job, account, "How many data breaches has the Identity Theft Resource Center reported?")
    assert_cites(breaches, job, 5)
    assert_cites(ask(client, job, account, "Which CL command changes function usage?"), job, 8)


def test_chat_needs_an_account_the_callers_job_and_a_finished_job(client, account, invoice_job, redis_server):
    url = f"/api/v1/chat/{invoice_job['uuid']}/"
    assert client.post(url, json={"message": "Total?"}).status_code == 401
    assert client.get(f"{url}history/").status_code == 401
    other_headers = new_account(redis_server)
    assert client.post(url, json={"message": "Total?"}, headers=other_headers).status_code == 404
    assert client.get(f"{url}history/", headers=other_headers).status_code == 404
    assert client.post(url, json={"msg": "Total?"}, headers=account).status_code == 400
    running = submit(client, scanned_pdf(["phototest.tif"] * 6), headers=account).json()
    response = client.post(f"/api/v1/chat/{running['uuid']}/", json={"message": "What?"}, headers=account)
    assert response.status_code == 409
    client.delete(f"/api/v1/ocr/{running['uuid']}/", headers=account)
