"""`tier=vlm` and the tool presets end to end through the API, on a second app of the session's
Ray cluster that deploys the VLM (a tiny random PaddleOCR-VL built in tests/vlm_model.py, on
the transformers backend) and a translation model (a scripted OpenAI-compatible server).

The tiny model writes random tokens: these tests prove the plumbing (routing, prompts, boxes,
confidence, metering, exports), not recognition.
"""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pymupdf
import pytest
import yaml
from ray import serve

from configs.serve_config import DEFAULT_SERVE_CONFIG
from tests.documents import data_file
from tests.test_accounts import create_account
from tests.vlm_model import build_tiny_paddleocr_vl

APP, PREFIX = "ocrchat-vlm", "/vlm"
MAX_NEW_TOKENS = 12


class _Translating(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat API that 'translates' by upper-casing the user's text."""

    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        reply = body["messages"][-1]["content"].upper()
        answer = json.dumps({"choices": [{"message": {"role": "assistant", "content": reply}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def translation_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Translating)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def _serve_config(path: Path) -> Path:
    """The laptop config with every replica on 0 CPUs (the session's own CPU-OCR replica holds
    both) and a VlmOcr deployment without a GPU."""
    config = yaml.safe_load(DEFAULT_SERVE_CONFIG.read_text())
    (app,) = config["applications"]
    for deployment in app["deployments"]:
        deployment["ray_actor_options"]["num_cpus"] = 0
    app["deployments"].append(
        {"name": "VlmOcr", "max_ongoing_requests": 8, "ray_actor_options": {"num_cpus": 0, "num_gpus": 0}}
    )
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def vlm_client(service, tmp_path_factory, translation_url) -> Iterator[httpx.Client]:
    from serve.app import build_app

    folder = tmp_path_factory.mktemp("vlm")
    args = service.args | {
        "serve_config": str(_serve_config(folder / "serve.yaml")),
        "vlm_model_dir": str(build_tiny_paddleocr_vl(folder / "model")),
        "vlm_backend": "transformers",
        "vlm_max_new_tokens": MAX_NEW_TOKENS,
        "chat_llm_url": translation_url,
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


def test_capabilities_name_the_vlm_tier_and_every_tool(vlm_client):
    capabilities = vlm_client.get("/api/v1/capabilities/").json()
    assert capabilities["tiers"]["vlm"] == {"available": True, "reason": None}
    assert all(tool["available"] for tool in capabilities["tools"].values())


def test_a_vlm_page_has_model_text_boxes_inside_the_page_and_confidences(vlm_client):
    job = submit(vlm_client, data_file("phototest.tif"), tier="vlm").json()
    assert job["status"] == "done" and job["tier"] == "vlm"
    (page,) = job["pages"]
    assert page["engine"] == "vlm:paddleocr-vl" and page["source"] == "ocr"
    assert page["blocks"], "the model wrote no line"
    assert page["text"] == "\n".join(block["text"] for block in page["blocks"])
    for block in page["blocks"]:
        x0, y0, x1, y1 = block["bbox"]
        assert 0 <= x0 <= x1 <= page["width"] and 0 <= y0 <= y1 <= page["height"]
        assert 0 < block["confidence"] <= 1
    assert 0 < job["mean_confidence"] <= 1


def test_the_vlm_tier_reads_every_page_and_costs_its_credits_per_page(vlm_client):
    ip = "198.51.100.70"
    before = used_credits(vlm_client, ip)
    pdf = pymupdf.open()
    for _ in range(2):
        pdf.new_page(width=200, height=120).insert_text((20, 60), "Two pages for the model")
    job = submit(vlm_client, pdf.tobytes(), "two.pdf", ip, tier="vlm").json()
    assert job["status"] == "done" and job["pages_done"] == 2
    assert all(page["source"] == "ocr" for page in job["pages"])  # the model reads text-layer pages too
    assert used_credits(vlm_client, ip) - before == 2 * 10


def test_handwriting_on_the_cpu_tier_switches_to_the_vlm(vlm_client):
    job = submit(vlm_client, data_file("phototest.tif"), tier="cpu", tool="handwriting-to-text").json()
    assert job["tier"] == "vlm" and job["pages"][0]["engine"] == "vlm:paddleocr-vl"


def test_extract_tables_on_the_vlm_downloads_as_csv(vlm_client):
    job = submit(vlm_client, data_file("phototest.tif"), tier="vlm", tool="extract-tables").json()
    assert job["status"] == "done"
    download = vlm_client.get(f"/api/v1/ocr/{job['uuid']}/download/", params={"format": "csv"})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")


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


def test_the_session_app_without_a_vlm_says_503_and_charges_nothing(client):
    ip = "198.51.100.71"
    before = used_credits(client, ip)
    for fields in ({"tier": "vlm"}, {"tool": "handwriting-to-text"}, {"tool": "translate", "translate_to": "de"}):
        response = submit(client, data_file("phototest.tif"), ip=ip, **fields)
        assert response.status_code == 503 and response.json()["detail"], fields
    assert used_credits(client, ip) == before
