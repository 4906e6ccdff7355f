"""Documents through the real service: the text recognised and the job shape of the contract."""

import pymupdf
import pytest

from tests.documents import converted, data_file, multipage_tiff, truth
from tests.scoring import cer

# phototest measured 0.0035 (one accent: "ovér"); the ceiling leaves room for a few
# characters of model noise (about 6 on this 286-character page), not for a broken page.
MAX_CER_PRINTED_PAGE = 0.02
# The born-digital report pages read with CER 0.01-0.02 against their own text layer
# (ligatures and dashes differ); 0.05 still fails on a wrong or reordered page.
MAX_CER_PDF_PAGE = 0.05
JOB_FIELDS = {"uuid", "status", "tier", "language", "page_count", "mean_confidence", "text", "markdown", "pages"}


def post(client, name: str, content: bytes, **fields):
    return client.post("/api/v1/ocr/", files={"file": (name, content)}, data=fields)


def assert_job_shape(job: dict, page_count: int) -> None:
    assert JOB_FIELDS <= job.keys()
    assert job["status"] == "done"
    assert job["page_count"] == page_count == len(job["pages"])
    assert 0 < job["mean_confidence"] <= 1
    for index, page in enumerate(job["pages"]):
        assert page["index"] == index
        assert page["width"] > 0 and page["height"] > 0
        assert page["blocks"], f"page {index} has no blocks"
        for block in page["blocks"]:
            x0, y0, x1, y1 = block["bbox"]
            assert 0 <= x0 < x1 <= page["width"] + 1 and 0 <= y0 < y1 <= page["height"] + 1
            assert 0 <= block["confidence"] <= 1 and block["text"]


def test_png_page_is_read(client):
    response = post(client, "phototest.png", converted("phototest.tif", "PNG"))
    assert response.status_code == 200, response.text
    job = response.json()
    assert_job_shape(job, 1)
    assert cer(job["text"], truth("phototest.txt")) < MAX_CER_PRINTED_PAGE
    assert job["pages"][0]["blocks"][0]["text"].startswith("This is a lot of 12 point text")


def test_markdown_keeps_paragraphs_apart(client):
    job = post(client, "phototest.png", converted("phototest.tif", "PNG")).json()
    paragraphs = job["markdown"].split("\n\n")
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("This is a lot") and paragraphs[1].startswith("The quick brown dog")


@pytest.mark.parametrize("image_format", ["BMP", "GIF"])
def test_bmp_and_gif_are_read(client, image_format):
    response = post(client, "page", converted("phototest.tif", image_format))
    assert response.status_code == 200, response.text
    assert cer(response.json()["text"], truth("phototest.txt")) < MAX_CER_PRINTED_PAGE


def test_jpeg_photo_exif_orientation_is_honoured(client):
    # The pixels are stored upside down; only the EXIF orientation tag makes the text upright.
    response = post(client, "photo.jpg", data_file("img_exif_orientation.jpg"))
    assert response.status_code == 200, response.text
    assert response.json()["text"] == "我是中国人"


def test_webp_is_read(client):
    response = post(client, "line.webp", data_file("webp-test.webp"))
    assert response.status_code == 200, response.text
    assert cer(response.json()["text"], truth("webp-test.txt")) < MAX_CER_PRINTED_PAGE


def test_every_tiff_frame_is_a_page(client):
    response = post(client, "scan.tiff", multipage_tiff("phototest.tif", "webp-test.webp"))
    assert response.status_code == 200, response.text
    job = response.json()
    assert_job_shape(job, 2)
    assert cer(job["pages"][0]["text"], truth("phototest.txt")) < MAX_CER_PRINTED_PAGE
    assert cer(job["pages"][1]["text"], truth("webp-test.txt")) < MAX_CER_PRINTED_PAGE


@pytest.mark.parametrize("force_ocr", [True, False], ids=["ocr", "text_layer"])
def test_three_page_pdf_pages_in_order(client, force_ocr):
    content = data_file("three_pages.pdf")
    response = post(client, "report.pdf", content, force_ocr=str(force_ocr).lower())
    assert response.status_code == 200, response.text
    job = response.json()
    assert_job_shape(job, 3)
    assert {page["source"] for page in job["pages"]} == {"ocr" if force_ocr else "text_layer"}
    layers = [page.get_text() for page in pymupdf.open(stream=content, filetype="pdf")]
    for page, layer in zip(job["pages"], layers, strict=True):
        assert cer(page["text"], layer) < MAX_CER_PDF_PAGE, page["index"]
    # The job text is the pages' text in page order.
    assert job["text"] == "\n\n".join(page["text"] for page in job["pages"])
    # Pages are rendered at 200 dpi: an A4 page is 1654 x 2339 pixels.
    assert (job["pages"][0]["width"], job["pages"][0]["height"]) == (1654, 2339)


def test_get_returns_the_job_the_post_returned(client):
    posted = post(client, "photo.jpg", data_file("img_exif_orientation.jpg")).json()
    fetched = client.get(f"/api/v1/ocr/{posted['uuid']}/")
    assert fetched.status_code == 200
    assert fetched.json() == posted
