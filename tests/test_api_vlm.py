"""`tier=vlm` and the tool presets end to end through the API, on a second app of the session's
Ray cluster whose vlm tier, and language model, is a scripted OpenAI-compatible server
(tests/openai_server.py): its answers and log-probs are known, so the job JSON, the
confidences, the tables and their CSV are checked exactly; so are cancel, the server down and
garbage answers."""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pymupdf
import pytest
import yaml
from ray import serve

from configs.serve_config import DEFAULT_SERVE_CONFIG
from engines.vlm.confidence import to_confidence
from serve.services import capabilities
from tests.documents import data_file
from tests.openai_server import API_KEY, MODEL, ScriptedModel, scripted_model_server
from tests.test_accounts import create_account

APP, PREFIX = "ocrchat-vlm", "/vlm"
OCR_LINES = ["Invoice 2024-0042", "Total 1,250.00 EUR"]


@pytest.fixture(scope="module")
def model() -> Iterator[ScriptedModel]:
    with scripted_model_server() as server:
        yield server


@pytest.fixture(autouse=True)
def model_behaves(model: ScriptedModel) -> Iterator[None]:
    yield
    model.delay, model.down, model.garbage_widths = 0.0, False, set()


def _serve_config(path: Path) -> Path:
    """The laptop config with every replica on 0 CPUs (the session's own CPU-OCR replica holds both)."""
    config = yaml.safe_load(DEFAULT_SERVE_CONFIG.read_text())
    (app,) = config["applications"]
    for deployment in app["deployments"]:
        deployment["ray_actor_options"]["num_cpus"] = 0
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def vlm_client(service, tmp_path_factory, model) -> Iterator[httpx.Client]:
    from serve.app import build_app

    folder = tmp_path_factory.mktemp("vlm")
    args = service.args | {
        "serve_config": str(_serve_config(folder / "serve.yaml")),
        "vlm_url": model.url,
        "vlm_model": MODEL,
        "vlm_api_key": API_KEY,
        "vlm_retries": 0,
        "chat_llm_url": model.url,
        "chat_llm_api_key": API_KEY,
    }
    serve.run(build_app(args), name=APP, route_prefix=PREFIX)
    try:
        with httpx.Client(base_url=service.url + PREFIX, timeout=300) as http:
            yield http
    finally:
        serve.delete(APP)


def submit(client: httpx.Client, content: bytes, name: str = "page.tif", ip: str = "127.0.0.1", **fields):
    """POST a document as the client at `ip` (the session trusts 127.0.0.1 as a proxy)."""
    files = {"file": (name, content)}
    return client.post("/api/v1/ocr/", files=files, data=fields, headers={"X-Forwarded-For": ip})


def used_credits(client: httpx.Client, ip: str) -> int:
    return client.get("/api/v1/account/", headers={"X-Forwarded-For": ip}).json()["used"]


def pdf_of_widths(widths: list[int]) -> bytes:
    pdf = pymupdf.open()
    for width in widths:
        pdf.new_page(width=width, height=120).insert_text((20, 60), "A page for the model")
    return pdf.tobytes()


def test_capabilities_name_the_vlm_tier_and_every_tool(vlm_client):
    capabilities = vlm_client.get("/api/v1/capabilities/").json()
    assert capabilities["tiers"]["vlm"] == {"available": True, "reason": None}
    assert all(tool["available"] for tool in capabilities["tools"].values())


def test_a_vlm_page_is_the_models_text_with_detector_boxes_and_log_prob_confidences(vlm_client, model):
    job = submit(vlm_client, data_file("phototest.tif"), tier="vlm").json()
    assert job["status"] == "done" and job["tier"] == "vlm"
    (page,) = job["pages"]
    assert page["engine"] == "vlm:paddleocr-vl" and page["source"] == "ocr"
    assert [block["text"] for block in page["blocks"]] == OCR_LINES
    assert page["text"] == "\n".join(OCR_LINES)
    assert [block["confidence"] for block in page["blocks"]] == [to_confidence(-0.2), to_confidence(-0.3)]
    for block in page["blocks"]:
        x0, y0, x1, y1 = block["bbox"]
        assert 0 <= x0 < x1 <= page["width"] and 0 <= y0 < y1 <= page["height"]
        assert [x0, y0, x1, y1] != [0, 0, page["width"], page["height"]]  # a detected line, not the page
    request = model.requests[-1]
    assert request["logprobs"] is True and request["model"] == MODEL


def test_the_vlm_tier_reads_every_page_and_costs_its_credits_per_page(vlm_client):
    ip = "198.51.100.70"
    before = used_credits(vlm_client, ip)
    job = submit(vlm_client, pdf_of_widths([200, 200]), "two.pdf", ip, tier="vlm").json()
    assert job["status"] == "done" and job["pages_done"] == 2
    assert all(page["source"] == "ocr" for page in job["pages"])  # the model reads text-layer pages too
    assert used_credits(vlm_client, ip) - before == 2 * 10


def test_handwriting_on_the_cpu_tier_switches_to_the_vlm(vlm_client, model):
    job = submit(vlm_client, data_file("phototest.tif"), tier="cpu", tool="handwriting-to-text").json()
    assert job["tier"] == "vlm" and job["pages"][0]["engine"] == "vlm:paddleocr-vl"
    assert job["pages"][0]["text"] == "\n".join(OCR_LINES)


def test_extract_tables_on_the_vlm_are_the_models_tables_and_their_csv(vlm_client, model):
    job = submit(vlm_client, data_file("phototest.tif"), tier="vlm", tool="extract-tables").json()
    assert job["status"] == "done"
    assert [table["rows"] for table in job["pages"][0]["tables"]] == [[["Item", "Price"], ["Tea", "3.50"]]]
    download = vlm_client.get(f"/api/v1/ocr/{job['uuid']}/download/", params={"format": "csv"})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert "Tea,3.50" in download.text


def test_translate_returns_the_translation_and_keeps_the_original(vlm_client, redis_server):
    anonymous = submit(vlm_client, data_file("phototest.tif"), tool="translate", translate_to="de")
    assert anonymous.status_code == 401 and "needs an account" in anonymous.json()["detail"]
    token = create_account(redis_server.url)
    headers = {"Authorization": f"Bearer {token}"}
    files = {"file": ("page.tif", data_file("phototest.tif"))}
    fields = {"tool": "translate", "translate_to": "de"}
    job = vlm_client.post("/api/v1/ocr/", files=files, data=fields, headers=headers).json()
    assert job["status"] == "done"
    assert vlm_client.get("/api/v1/account/", headers=headers).json()["used"] == 1 + 2  # the page and its translation
    (page,) = job["pages"]
    assert page["translated_to"] == "de" and page["source_text"]
    assert page["text"] == page["source_text"].upper()  # the scripted model upper-cases
    assert "quick brown" in page["source_text"].lower()  # the cpu tier read it: real text


def test_a_page_answered_with_garbage_fails_alone_with_a_message(vlm_client, model):
    model.garbage_widths = {833, 834}  # the second page (300 pt) rendered at 200 dpi
    asked_before, ip = len(model.requests), "198.51.100.73"
    before = used_credits(vlm_client, ip)
    job = submit(vlm_client, pdf_of_widths([200, 300]), "two.pdf", ip, tier="vlm").json()
    assert job["status"] == "done" and (job["pages_done"], job["pages_failed"]) == (1, 1)
    assert used_credits(vlm_client, ip) - before == 10  # the failed page is not charged
    good, garbage = job["pages"]
    assert good["text"] == "\n".join(OCR_LINES)
    assert "not understood" in garbage["error"] and model.url.split("//")[1] not in garbage["error"]
    assert len(model.requests) - asked_before == 2  # once a page: garbage is not asked again


def test_cancel_mid_job_stops_asking_the_model(vlm_client, model):
    model.delay = 0.5
    asked_before = len(model.requests)
    job_id = submit(vlm_client, pdf_of_widths([200] * 30), "long.pdf", tier="vlm").json()["uuid"]
    while vlm_client.get(f"/api/v1/ocr/{job_id}/").json()["pages_done"] < 1:
        time.sleep(0.1)
    cancelled = vlm_client.delete(f"/api/v1/ocr/{job_id}/").json()
    assert (cancelled["status"], cancelled["error"]) == ("failed", "cancelled")
    time.sleep(3)
    asked = len(model.requests) - asked_before
    time.sleep(2)
    assert len(model.requests) - asked_before == asked < 30  # nothing more asked after the cancel
    after = vlm_client.get(f"/api/v1/ocr/{job_id}/").json()
    assert after["pages_done"] == cancelled["pages_done"] < 30


def test_the_model_server_down_is_a_503_that_charges_nothing(vlm_client, model):
    ip = "198.51.100.72"
    before = used_credits(vlm_client, ip)
    model.down = True
    time.sleep(capabilities.RECHECK_SECONDS + 0.5)  # the ingress's last answer from the server ages out
    reason = vlm_client.get("/api/v1/capabilities/").json()["tiers"]["vlm"]
    assert reason["available"] is False and "not answering" in reason["reason"]
    for fields in ({"tier": "vlm"}, {"tool": "handwriting-to-text"}):
        response = submit(vlm_client, data_file("phototest.tif"), ip=ip, **fields)
        assert response.status_code == 503 and "not answering" in response.json()["detail"], fields
        assert "127.0.0.1" not in response.json()["detail"]
    assert used_credits(vlm_client, ip) == before
    model.down = False
    time.sleep(capabilities.RECHECK_SECONDS + 0.5)
    assert vlm_client.get("/api/v1/capabilities/").json()["tiers"]["vlm"]["available"] is True


def test_the_session_app_without_a_vlm_says_503_and_charges_nothing(client):
    ip = "198.51.100.71"
    before = used_credits(client, ip)
    for fields in ({"tier": "vlm"}, {"tool": "handwriting-to-text"}, {"tool": "translate", "translate_to": "de"}):
        response = submit(client, data_file("phototest.tif"), ip=ip, **fields)
        assert response.status_code == 503 and response.json()["detail"], fields
    assert used_credits(client, ip) == before
