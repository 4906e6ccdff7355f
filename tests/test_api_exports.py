"""Downloads: every format of an image job and of a two-page PDF job, each parsed back with an
independent reader (python-docx, PyMuPDF, the csv module, json), through the real service."""

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import docx
import pymupdf
import pytest

from tests.documents import (
    REPORT_LIST,
    REPORT_PARAGRAPH,
    REPORT_TABLE,
    REPORT_TITLE,
    data_file,
    report_pdf,
    scanned_pdf,
    truth,
)
from tests.scoring import cer
from tests.test_api_long_jobs import submit, wait_for_end
from tests.test_api_ocr import MAX_CER_PRINTED_PAGE

# Words of the invisible text layer sit on their line's box within this many points.
MAX_WORD_OFFSET_PT = 3.0


@pytest.fixture(scope="module")
def image_job(client) -> dict:
    response = submit(client, data_file("phototest.tif"), "phototest scan.tif")
    assert response.status_code == 200 and response.json()["status"] == "done", response.text
    return response.json()


@pytest.fixture(scope="module")
def pdf_job(client) -> dict:
    response = submit(client, report_pdf(scanned_page="phototest.tif"), "Quarterly report (Q3).pdf")
    assert response.status_code == 200 and response.json()["status"] == "done", response.text
    return response.json()


def download(client, job: dict, fmt: str):
    response = client.get(f"/api/v1/ocr/{job['uuid']}/download/", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response


def attachment_name(response) -> str:
    """The UTF-8 file name of the Content-Disposition header (RFC 6266 `filename*`)."""
    header = response.headers["content-disposition"]
    assert header.startswith("attachment; filename=")
    return unquote(header.split("filename*=UTF-8''", 1)[1])


def test_report_page_structure_is_found(pdf_job):
    page = pdf_job["pages"][0]
    assert page["source"] == "text_layer"
    assert page["tables"] and page["tables"][0]["rows"] == REPORT_TABLE
    assert page["markdown"].startswith(f"# {REPORT_TITLE}\n\n")


def test_txt_is_the_text_with_pages_split_by_form_feeds(client, image_job, pdf_job):
    response = download(client, pdf_job, "txt")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert attachment_name(response) == "Quarterly report (Q3).txt"
    first, second = response.text.split("\f")
    assert first.startswith(REPORT_TITLE) and "\n".join(REPORT_PARAGRAPH) in first
    assert cer(second, truth("phototest.txt")) < MAX_CER_PRINTED_PAGE
    assert download(client, image_job, "txt").text == image_job["pages"][0]["text"]


def test_md_has_heading_paragraph_list_and_table(client, pdf_job):
    response = download(client, pdf_job, "md")
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    markdown = response.text
    assert markdown == pdf_job["markdown"]
    lines = markdown.splitlines()
    assert lines[0] == f"# {REPORT_TITLE}"
    assert [line for line in lines if line.startswith("- ")] == [f"- {item}" for item in REPORT_LIST]
    table = [line for line in lines if line.startswith("|")]
    assert table[0] == "| Region | Units | Revenue |" and table[1] == "|---|---|---|"
    assert table[2:] == ["| " + " | ".join(row) + " |" for row in REPORT_TABLE[1:]]


def test_docx_has_a_section_per_page_and_real_structure(client, pdf_job):
    response = download(client, pdf_job, "docx")
    assert attachment_name(response) == "Quarterly report (Q3).docx"
    document = docx.Document(io.BytesIO(response.content))
    assert len(document.sections) == 2
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert paragraphs[0] == ("Heading 1", REPORT_TITLE)
    assert ("Normal", "\n".join(REPORT_PARAGRAPH)) in paragraphs
    assert [text for style, text in paragraphs if style == "List Bullet"] == REPORT_LIST
    [table] = document.tables
    assert [[cell.text for cell in row.cells] for row in table.rows] == REPORT_TABLE
    scanned_text = " ".join(text for style, text in paragraphs if style == "Normal")
    assert "This is a lot of 12 point text" in scanned_text


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed (make test installs it)")
def test_docx_opens_in_libreoffice(client, pdf_job, tmp_path: Path):
    source = tmp_path / "report.docx"
    source.write_bytes(download(client, pdf_job, "docx").content)
    profile = tmp_path / "profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir",
         str(tmp_path), str(source)],
        check=True, timeout=180, capture_output=True,
    )  # fmt: skip
    converted = pymupdf.open(tmp_path / "report.pdf")
    assert converted.page_count == 2
    text = converted[0].get_text()
    assert REPORT_TITLE in text and "Revenue grew by twelve percent" in text and "45000" in text


def test_csv_holds_the_tables(client, pdf_job):
    response = download(client, pdf_job, "csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [["Page 1, table 1"], *REPORT_TABLE]


def test_csv_without_tables_holds_the_text_lines(client, image_job):
    rows = list(csv.reader(io.StringIO(download(client, image_job, "csv").text)))
    assert rows[0] == ["page", "line", "text"]
    lines = [line for line in image_job["pages"][0]["text"].splitlines() if line.strip()]
    assert rows[1:] == [["1", str(number), line] for number, line in enumerate(lines, start=1)]


def test_json_is_the_job_as_get_returns_it(client, pdf_job):
    response = download(client, pdf_job, "json")
    assert response.headers["content-type"] == "application/json"
    assert attachment_name(response) == "Quarterly report (Q3).json"
    assert json.loads(response.content) == client.get(f"/api/v1/ocr/{pdf_job['uuid']}/").json()


def words_on_box(page: pymupdf.Page, bbox_pt: pymupdf.Rect) -> list[tuple]:
    """The words whose middle is inside the box (neighbouring lines' boxes overlap a little)."""
    return [w for w in page.get_text("words") if bbox_pt.contains(pymupdf.Point((w[0] + w[2]) / 2, (w[1] + w[3]) / 2))]


def assert_text_layer_matches_blocks(pdf_page: pymupdf.Page, job_page: dict) -> None:
    """Every block's words are found in the PDF, in order, inside its box (in points)."""
    scale_x = pdf_page.rect.width / job_page["width"]
    scale_y = pdf_page.rect.height / job_page["height"]
    for block in job_page["blocks"]:
        x0, y0, x1, y1 = block["bbox"]
        box = pymupdf.Rect(x0 * scale_x, y0 * scale_y, x1 * scale_x, y1 * scale_y)
        words = words_on_box(pdf_page, box)
        assert " ".join(w[4] for w in words) == block["text"]
        slack = MAX_WORD_OFFSET_PT
        assert all(box.x0 - slack <= w[0] and w[2] <= box.x1 + slack for w in words), (block, words)
        assert abs(words[0][0] - box.x0) <= slack and abs(words[-1][2] - box.x1) <= slack, (block, words)


def test_pdf_of_an_image_is_the_image_with_its_text_on_the_boxes(client, image_job):
    response = download(client, image_job, "pdf")
    assert response.headers["content-type"] == "application/pdf"
    assert attachment_name(response) == "phototest scan.pdf"
    pdf = pymupdf.open(stream=response.content, filetype="pdf")
    assert pdf.page_count == 1 and len(pdf[0].get_images()) == 1
    assert_text_layer_matches_blocks(pdf[0], image_job["pages"][0])
    pixmap = pdf[0].get_pixmap(dpi=72)
    assert pixmap.width > 100 and len(pixmap.tobytes("png")) > 1000


def test_pdf_of_a_pdf_keeps_text_pages_and_adds_text_to_scans(client, pdf_job):
    pdf = pymupdf.open(stream=download(client, pdf_job, "pdf").content, filetype="pdf")
    assert pdf.page_count == 2
    first = pdf[0].get_text()
    assert first.count(REPORT_TITLE) == 1 and "Two new offices opened" in first
    assert_text_layer_matches_blocks(pdf[1], pdf_job["pages"][1])
    assert cer(pdf[1].get_text(), truth("phototest.txt")) < MAX_CER_PRINTED_PAGE


def test_download_errors(client, image_job):
    url = f"/api/v1/ocr/{image_job['uuid']}/download/"
    unknown = client.get(url, params={"format": "xlsx"})
    assert unknown.status_code == 400 and "txt" in unknown.json()["detail"]
    assert client.get(url).status_code == 400
    missing = client.get("/api/v1/ocr/00000000000000000000000000000000/download/", params={"format": "txt"})
    assert missing.status_code == 404
    # Another caller's job is not found either.
    other = client.get(url, params={"format": "txt", "api_token": "not-a-token"})
    assert other.status_code == 401


def test_download_before_the_job_ends_is_409(client):
    job = submit(client, scanned_pdf(["phototest.tif"] * 6)).json()
    response = client.get(f"/api/v1/ocr/{job['uuid']}/download/", params={"format": "txt"})
    assert response.status_code == 409, response.text
    assert "once its status is done" in response.json()["detail"]
    done, _ = wait_for_end(client, job["uuid"])
    assert done["status"] == "done"
    assert download(client, done, "txt").text.count("\f") == 5


def test_unicode_upload_name_is_kept_and_sanitised(client):
    job = submit(client, data_file("phototest.tif"), "dir/../Bericht: Q3 über*.tif").json()
    response = download(client, job, "txt")
    assert attachment_name(response) == "Bericht_ Q3 über.txt"
    assert 'filename="Bericht_ Q3 uber.txt"' in response.headers["content-disposition"]


def test_md_docx_and_json_of_the_image_job(client, image_job):
    page = image_job["pages"][0]
    assert download(client, image_job, "md").text == image_job["markdown"] == page["markdown"]
    document = docx.Document(io.BytesIO(download(client, image_job, "docx").content))
    assert len(document.sections) == 1
    docx_text = "\n\n".join(p.text for p in document.paragraphs)
    assert docx_text == page["text"]
    assert cer(docx_text, truth("phototest.txt")) < MAX_CER_PRINTED_PAGE
    assert json.loads(download(client, image_job, "json").content) == image_job
