"""The web page at `/` in real headless Chromium (Debian's, driven by playwright) against the real
service: an image and a long PDF read and shown, boxes over the page image, downloads that
parse, a chat citation that jumps to its page, a corrupt file's message, `/docs` offline, and no
request leaving the machine. Screenshots go to `$OCRCHAT_SCREENSHOTS` (else a temporary folder)."""

import io
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pymupdf
import pytest
from PIL import Image

from tests.documents import DATA, born_digital_pdf, converted, page_lines
from tests.test_accounts import create_account
from tests.test_api_chat import invoice_pdf

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
SLOW_OCR_MS = 240_000  # an OCRed page on a loaded 2-core machine
PHOTOTEST_LINE = "This is a lot of 12 point text to test the"

sync_api = pytest.importorskip("playwright.sync_api")
sync_api.expect.set_options(timeout=SLOW_OCR_MS)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("OCRCHAT_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: apt-get install chromium (make test installs it)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, service) -> Iterator:
    """A fresh browser tab on the service's page; every request to another host is aborted and
    recorded, and the test fails if there was one."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    outside: list[str] = []

    def only_local(route) -> None:
        url = route.request.url
        if url.startswith(("http://", "https://")) and urlsplit(url).hostname not in LOCAL_HOSTS:
            outside.append(url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", only_local)
    tab = context.new_page()
    tab.set_default_timeout(SLOW_OCR_MS)
    tab.goto(service.url + "/")
    yield tab
    context.close()
    assert outside == [], f"requests left the machine: {outside}"


def upload(tab, path: Path) -> None:
    tab.set_input_files("#file", str(path))
    tab.click("#submit")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def block_boxes_inside_image(tab) -> tuple[int, bool]:
    """How many block boxes are drawn, and whether they all lie on the page image."""
    return tab.evaluate(
        """() => {
          const image = document.getElementById('page-image').getBoundingClientRect();
          const boxes = [...document.querySelectorAll('.block')].map((node) => node.getBoundingClientRect());
          const inside = boxes.every((box) => box.left >= image.left - 1 && box.right <= image.right + 1
            && box.top >= image.top - 1 && box.bottom <= image.bottom + 1);
          return [boxes.length, inside];
        }"""
    )


def test_an_image_is_read_and_its_boxes_drawn_over_the_page(page, screenshots):
    upload(page, DATA / "phototest.tif")
    sync_api.expect(page.locator("#view-text")).to_contain_text(PHOTOTEST_LINE)
    page.wait_for_function("document.getElementById('page-image').naturalWidth > 0")
    page.wait_for_selector(".block")
    count, inside = block_boxes_inside_image(page)
    assert count >= 5 and inside
    page.hover(".block >> nth=0")
    sync_api.expect(page.locator("#block-info")).to_contain_text("confidence")
    page.focus(".block >> nth=1")  # from the keyboard too
    second = page.locator(".block >> nth=1").get_attribute("aria-label")
    sync_api.expect(page.locator("#block-info")).to_contain_text(second)
    page.click("#tab-markdown")
    sync_api.expect(page.locator("#view-markdown")).to_contain_text("12 point text")
    page.screenshot(path=screenshots / "image-result.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=screenshots / "phone-width.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # nothing wider than a phone


def test_a_long_pdf_is_followed_to_its_end_and_paged_through(page, tmp_path, screenshots):
    upload(page, write(tmp_path, "eight pages.pdf", born_digital_pdf(8, lines=12)))  # over the sync limit
    sync_api.expect(page.locator("#summary")).to_contain_text("8 of 8 pages read")
    sync_api.expect(page.locator("#view-text")).to_contain_text(page_lines(1, 12)[0])
    page.select_option("#page-select", label="8")
    sync_api.expect(page.locator("#view-text")).to_contain_text(page_lines(8, 12)[0])
    page.click("#prev")
    sync_api.expect(page.locator("#view-text")).to_contain_text(page_lines(7, 12)[0])
    page.wait_for_selector(".block")
    assert block_boxes_inside_image(page)[1]
    sync_api.expect(page.locator("#recent")).to_contain_text("eight pages.pdf")
    page.screenshot(path=screenshots / "pdf-page-7.png", full_page=True)


def test_a_long_job_shows_its_progress_and_can_be_cancelled(page, tmp_path):
    page.check("#force_ocr")  # OCR makes the job last long enough to be cancelled
    upload(page, write(tmp_path, "long.pdf", born_digital_pdf(12, lines=4)))
    sync_api.expect(page.locator("#progress-text")).to_contain_text("of 12 pages done")
    page.click("#cancel")
    sync_api.expect(page.locator("#summary")).to_contain_text("failed (cancelled)")
    assert page.locator("#progress").is_hidden()


def test_errors_carry_the_apis_numbers(page):
    """402 and 429 answers add what the caller needs: the credits used of the cap, the retry time."""
    out_of_pages = page.evaluate("errorMessage(402, {detail: 'Out of pages.', used: 10, cap: 10}, null)")
    assert out_of_pages == "Out of pages. (used 10 of 10)"
    busy = page.evaluate("errorMessage(429, {detail: 'At capacity.'}, '30')")
    assert busy == "At capacity. Try again in 30 s."


def test_downloads_parse(page, tmp_path):
    upload(page, write(tmp_path, "three.pdf", born_digital_pdf(3, lines=5)))
    sync_api.expect(page.locator("#summary")).to_contain_text("3 of 3 pages read")
    job = json.loads(download(page, "json").read_text())
    assert job["page_count"] == 3 and page_lines(2, 5)[0] in job["text"]
    with pymupdf.open(download(page, "pdf")) as pdf:
        assert pdf.page_count == 3 and page_lines(3, 5)[0] in pdf[2].get_text()
    assert page_lines(1, 5)[0] in download(page, "txt").read_text()


def download(tab, format: str) -> Path:
    with tab.expect_download() as info:
        tab.click(f'#downloads [data-format="{format}"]')
    return Path(info.value.path())


def test_a_chat_citation_jumps_to_its_page(page, redis_server, tmp_path, screenshots):
    page.fill("#token", create_account(redis_server.url))
    page.click("#token-form button[type=submit]")
    sync_api.expect(page.locator("#usage")).to_contain_text("Plan free")
    upload(page, write(tmp_path, "invoice.pdf", invoice_pdf()))
    sync_api.expect(page.locator("#summary")).to_contain_text("3 of 3 pages read")
    page.fill("#question", "What is the total due?")
    page.click("#chat-form button")
    citation = page.locator(".citation", has_text="p. 3").first
    citation.click()
    sync_api.expect(page.locator("#page-select")).to_have_value("2")
    sync_api.expect(page.locator("#viewer")).to_have_class("viewer cited")
    sync_api.expect(page.locator("#view-text")).to_contain_text("Total due: 1,234.50 EUR")
    sync_api.expect(page.locator(".block.cited").first).to_be_visible()
    page.screenshot(path=screenshots / "chat-citation.png", full_page=True)


def test_a_corrupt_file_shows_the_api_message(page, client, tmp_path):
    png = converted("phototest.tif", "PNG")
    corrupt = png[: len(png) // 2]
    expected = client.post("/api/v1/ocr/", files={"file": ("half.png", corrupt)}).json()["detail"]
    assert "corrupt" in expected
    upload(page, write(tmp_path, "half.png", corrupt))
    sync_api.expect(page.locator("#error")).to_contain_text(expected)


def test_docs_render_offline(page, service, screenshots):
    page.goto(service.url + "/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    sync_api.expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/ocr/{job_id}/pages/{index}/image")
    page.screenshot(path=screenshots / "docs.png")


def test_page_images_are_the_owners_only(client, redis_server):
    owner = {"Authorization": f"Bearer {create_account(redis_server.url)}"}
    other = {"Authorization": f"Bearer {create_account(redis_server.url)}"}
    job = client.post("/api/v1/ocr/", files={"file": ("3.pdf", born_digital_pdf(3, 5))}, headers=owner).json()
    image_url = f"/api/v1/ocr/{job['uuid']}/pages/1/image"
    image = client.get(image_url, params={"width": 300}, headers=owner)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(image.content)).width == 300
    assert client.get(image_url, headers=other).status_code == 404
    assert client.get(image_url).status_code == 404  # anonymous
    assert client.get(image_url, params={"width": 5}, headers=owner).status_code == 400
    assert client.get(f"/api/v1/ocr/{job['uuid']}/pages/7/image", headers=owner).status_code == 404
