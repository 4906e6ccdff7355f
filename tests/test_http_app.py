"""The HTTP API over its services without Ray: a real Redis, the real page loop and OCR engines
in this process (an in-process job runner), requests through FastAPI's test client."""

import asyncio
import time
from concurrent.futures import Future

import pytest
from fastapi.testclient import TestClient

from configs.settings import Settings
from pipelines.documents.document import Limits
from pipelines.execution.blocks import DocumentPages
from pipelines.execution.page_loop import PageOptions, run_upload_pages
from pipelines.jobs.store import JobStore, redis_client
from serve.http_app import build_http_app
from serve.services.wiring import make_services
from tests.documents import born_digital_pdf, data_file, page_lines, truth


class InProcessRunner:
    """Runs a job's pages here, one after the other, with the CPU router of this process."""

    def __init__(self, settings: Settings, router) -> None:
        self._store = JobStore(redis_client(settings.effective_redis_url), settings.result_ttl_seconds)
        self._limits = Limits(settings.max_page_pixels, settings.pdf_dpi)
        self._router = router

    async def ping(self) -> bool:
        return True

    async def run(self, job_id, data, pages: DocumentPages, options: PageOptions, priority, wait) -> None:
        await asyncio.to_thread(self._run, job_id, data, pages.indices, options)

    def _run(self, job_id, data, indices, options) -> None:
        assert self._store.start(job_id)
        run_upload_pages(job_id, data, self._limits, indices, self._store, self._recognize, options)
        self._store.finish(job_id)

    def _recognize(self, image, language) -> Future:
        call = Future()
        call.set_result(self._router.recognize(image, language))
        return call


@pytest.fixture(scope="module")
def api(redis_server, router) -> TestClient:
    settings = Settings(redis_url=redis_server.url, trusted_proxies="203.0.113.30")
    services = make_services(settings, InProcessRunner(settings, router), vlm_missing="no vlm here")
    app = build_http_app(services, cors_origins="https://app.example.com")
    with TestClient(app, client=("203.0.113.30", 5000)) as client:
        yield client


def test_a_scan_and_a_text_layer_are_read_polled_and_downloaded(api):
    scan = api.post("/api/v1/ocr/", files={"file": ("phototest.tif", data_file("phototest.tif"))})
    assert scan.status_code == 200, scan.text
    job = scan.json()
    assert job["status"] == "done" and job["pages"][0]["source"] == "ocr"
    assert "quick brown dog" in job["text"] and "quick brown dog" in truth("phototest.txt")
    pdf = api.post("/api/v1/ocr/", files={"file": ("two.pdf", born_digital_pdf(2))}).json()
    assert [page["source"] for page in pdf["pages"]] == ["text_layer", "text_layer"]
    assert page_lines(2)[0] in pdf["text"]
    assert api.get(f"/api/v1/ocr/{pdf['uuid']}/").json()["text"] == pdf["text"]
    text = api.get(f"/api/v1/ocr/{pdf['uuid']}/download/", params={"format": "txt"})
    assert text.status_code == 200 and page_lines(1)[0] in text.text


def test_bad_input_is_a_400_and_not_charged(api):
    used = api.get("/api/v1/account/").json()["used"]
    bad = api.post("/api/v1/ocr/", files={"file": ("notes.pdf", b"%PDF-1.7 not really")})
    assert bad.status_code == 400 and bad.json()["detail"]
    no_file = api.post("/api/v1/ocr/", data={"tier": "cpu"})
    assert no_file.status_code == 400 and "file" in no_file.json()["detail"]
    vlm = api.post("/api/v1/ocr/", data={"tier": "vlm"}, files={"file": ("a.pdf", born_digital_pdf(1))})
    assert vlm.status_code == 503 and "no vlm here" in vlm.json()["detail"]
    assert api.get("/api/v1/account/").json()["used"] == used


def test_a_deleted_job_is_gone_and_chat_needs_an_account(api):
    job = api.post("/api/v1/ocr/", files={"file": ("one.pdf", born_digital_pdf(1))}).json()
    assert api.post(f"/api/v1/chat/{job['uuid']}/", json={"message": "what?"}).status_code == 401
    assert api.delete(f"/api/v1/ocr/{job['uuid']}/").status_code == 204
    gone = api.get(f"/api/v1/ocr/{job['uuid']}/")
    assert gone.status_code == 404 and job["uuid"] in gone.json()["detail"]
    assert api.get("/api/v1/capabilities/").json()["tiers"]["vlm"] == {"available": False, "reason": "no vlm here"}


def test_the_openapi_schema_is_the_records_own(api):
    schema = api.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    assert set(components["Job"]["required"]) >= {"uuid", "status", "text", "markdown", "pages"}
    assert components["Job"]["properties"]["pages"]["items"] == {"$ref": "#/components/schemas/PageRecord"}
    page = components["PageRecord"]
    assert page["properties"]["blocks"]["items"] == {"$ref": "#/components/schemas/Block"}
    assert "text_layer_rejected" in page["properties"] and "text_layer_rejected" not in page["required"]
    submit = schema["paths"]["/api/v1/ocr/"]["post"]["responses"]
    assert "422" not in submit and submit["400"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorBody")
    assert schema["paths"]["/api/v1/account/"]["get"]["security"][-1] == {}


def test_the_client_is_the_nearest_untrusted_entry_over_every_forwarded_line(api):
    """A proxy appends its own X-Forwarded-For line; the client's forged line comes first."""
    forged = [("x-forwarded-for", "198.51.100.77"), ("x-forwarded-for", "192.0.2.5")]
    before = api.get("/api/v1/account/", headers=forged).json()["used"]
    api.post("/api/v1/ocr/", files={"file": ("one.pdf", born_digital_pdf(1))}, headers=forged)
    assert api.get("/api/v1/account/", headers=[("x-forwarded-for", "192.0.2.5")]).json()["used"] == before + 1
    assert api.get("/api/v1/account/", headers=[("x-forwarded-for", "198.51.100.77")]).json()["used"] == 0


def test_racing_requests_with_one_idempotency_key_make_one_job(api):
    from concurrent.futures import ThreadPoolExecutor

    content = born_digital_pdf(2)

    def post(_):
        return api.post("/api/v1/ocr/", files={"file": ("r.pdf", content)}, headers={"Idempotency-Key": "r"})

    used = api.get("/api/v1/account/").json()["used"]
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(post, range(4)))
    assert [response.status_code for response in responses] == [200] * 4
    assert len({response.json()["uuid"] for response in responses}) == 1
    assert api.get("/api/v1/account/").json()["used"] == used + 2


def test_a_foreign_web_page_cannot_spend_the_visitors_allowance(api):
    used = api.get("/api/v1/account/").json()["used"]
    pdf = {"file": ("one.pdf", born_digital_pdf(1))}
    foreign = api.post("/api/v1/ocr/", files=pdf, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "evil.example" in foreign.json()["detail"]
    assert api.post("/api/v1/ocr/", files=pdf, headers={"Origin": "null"}).status_code == 403
    assert api.get("/api/v1/account/").json()["used"] == used
    listed = api.post("/api/v1/ocr/", files=pdf, headers={"Origin": "https://app.example.com"})
    assert listed.status_code == 200 and listed.headers["access-control-allow-origin"] == "https://app.example.com"
    own = api.post("/api/v1/ocr/", files=pdf, headers={"Origin": "http://testserver"})
    assert own.status_code == 200 and "access-control-allow-origin" not in own.headers
    assert api.post("/api/v1/ocr/", files=pdf).status_code == 200  # no Origin: not a browser
    read = api.get("/api/v1/capabilities/", headers={"Origin": "https://evil.example"})
    assert read.status_code == 200 and "access-control-allow-origin" not in read.headers


def test_the_ingress_holds_one_copy_of_an_upload(api):
    """Traced memory while a 10 MB upload is received, opened and refused for its `pages`: the
    test client's own copy of the body, and one in the ingress (a spooled and read copy, and one
    made for MuPDF, were three)."""
    import tracemalloc

    import numpy as np
    import pymupdf

    pdf = pymupdf.open()
    page = pdf.new_page()
    noise = np.random.default_rng(7).integers(0, 255, (1800, 1800, 3), dtype=np.uint8)
    page.insert_image(page.rect, pixmap=pymupdf.Pixmap(pymupdf.csRGB, 1800, 1800, noise.tobytes(), False))
    content = pdf.tobytes()
    tracemalloc.start()
    try:
        refused = api.post("/api/v1/ocr/", files={"file": ("big.pdf", content)}, data={"pages": "3"})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.status_code == 400 and "out of range" in refused.json()["detail"]
    assert peak < 2.5 * len(content), peak / len(content)


def test_a_callback_url_inside_the_network_or_without_a_secret_is_a_400_and_not_charged(api):
    used = api.get("/api/v1/account/").json()["used"]
    pdf = {"file": ("one.pdf", born_digital_pdf(1))}
    metadata = api.post("/api/v1/ocr/", files=pdf, data={"callback_url": "http://169.254.169.254/latest/meta-data"})
    assert metadata.status_code == 400 and "169.254.169.254" in metadata.json()["detail"]
    public = api.post("/api/v1/ocr/", files=pdf, data={"callback_url": "https://93.184.215.14/hook"})
    assert public.status_code == 400 and "OCRCHAT_WEBHOOK_SECRET" in public.json()["detail"]  # anonymous, no secret
    assert api.get("/api/v1/account/").json()["used"] == used


def test_questions_waiting_on_a_slow_model_do_not_hold_up_polls(redis_server, router):
    """Eight questions hang on a language model that does not answer; a poll still answers."""
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from accounts.store import create_account

    release = threading.Event()

    class Stuck(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            self.rfile.read(int(self.headers["content-length"]))
            release.wait(60)
            self.send_response(503)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    model = ThreadingHTTPServer(("127.0.0.1", 0), Stuck)
    threading.Thread(target=model.serve_forever, daemon=True).start()
    settings = Settings(redis_url=redis_server.url, chat_llm_url=f"http://127.0.0.1:{model.server_address[1]}/v1")
    services = make_services(settings, InProcessRunner(settings, router), vlm_missing="no vlm here")
    _, token = create_account(redis_client(redis_server.url), "paid", credits=100)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(build_http_app(services)) as api, ThreadPoolExecutor(8) as askers:
        job = api.post("/api/v1/ocr/", files={"file": ("a.pdf", born_digital_pdf(1))}, headers=headers).json()
        questions = [
            askers.submit(api.post, f"/api/v1/chat/{job['uuid']}/", json={"message": "what?"}, headers=headers)
            for _ in range(8)
        ]
        time.sleep(1)  # the questions are at the model by now
        with ThreadPoolExecutor(1) as poller:
            poll = poller.submit(api.get, f"/api/v1/ocr/{job['uuid']}/", headers=headers)
            assert poll.result(timeout=20).json()["status"] == "done"
        release.set()
        assert {question.result(timeout=60).status_code for question in questions} == {200}
    model.shutdown()
