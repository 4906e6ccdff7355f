"""Page layout on the cpu tier: the layout and table-structure models, reading order by region, page
furniture, tables with spans, and the text of pictures on born-digital pages, through the API."""

import csv
import io
import socket

import docx
import numpy as np
import pymupdf
import pytest
from PIL import Image, ImageDraw, ImageFont

from engines.layout_model import LayoutModel
from tests.documents import converted, data_file

FONT = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"


def post(client, name: str, content: bytes, **fields) -> dict:
    response = client.post("/api/v1/ocr/", files={"file": (name, content)}, data=fields)
    assert response.status_code == 200, response.text
    return response.json()


def rendered(pdf: bytes, index: int = 0, dpi: int = 100) -> np.ndarray:
    page = pymupdf.open(stream=pdf, filetype="pdf")[index]
    pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB)
    return np.frombuffer(pixmap.samples, dtype=np.uint8).reshape(pixmap.height, pixmap.width, 3)


@pytest.fixture(scope="module")
def layout_model() -> LayoutModel:
    return LayoutModel(threads=2)


@pytest.fixture(scope="module")
def magazine_job(client) -> dict:
    return post(client, "magazine.png", converted("8087_054.3B.tif", "PNG"), language="en")


@pytest.fixture(scope="module")
def paper_job(client) -> dict:
    """A paper's page with a table whose header spans rows and columns, read by OCR."""
    return post(client, "paper.pdf", data_file("2305.03393v1-pg9.pdf"), language="en", force_ocr="true")


@pytest.fixture(scope="module")
def report_job(client) -> dict:
    """The Redpaper's pages 5-8 (bullets, a table drawn after the text that follows it, running footers)
    read from their text layer."""
    pdf = pymupdf.open(stream=data_file("redp5110_sampled.pdf"), filetype="pdf")
    pdf.select([4, 5, 6, 7])
    return post(client, "report.pdf", pdf.tobytes(), language="en")


def test_layout_model_loads_and_reads_with_the_network_forbidden(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network forbidden in this test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    model = LayoutModel(threads=1)
    types = {region.type for region in model.regions(rendered(data_file("2305.03393v1-pg9.pdf")))}
    assert {"title", "text", "table"} <= types


@pytest.mark.parametrize(
    ("name", "index", "expected"),
    [
        ("2305.03393v1-pg9.pdf", 0, {"header", "title", "text", "table"}),
        ("bws_book_ch2_p10.pdf", 0, {"equation", "text"}),
        ("normal_4pages_p2.pdf", 0, {"reference", "text"}),
    ],
)
def test_region_types_on_real_pages(layout_model, name, index, expected):
    types = {region.type for region in layout_model.regions(rendered(data_file(name), index))}
    assert expected <= types


def test_region_types_on_a_magazine_scan(layout_model):
    image = np.asarray(Image.open(io.BytesIO(converted("8087_054.3B.tif", "PNG"))).convert("RGB"))
    types = {region.type for region in layout_model.regions(image)}
    assert {"text", "figure", "figure_caption", "header", "footer"} <= types


def test_two_column_magazine_page_is_read_column_by_column(magazine_job):
    text = magazine_job["text"]
    # The left column's first block ends mid-word and goes on in the narrow column under it, beside
    # the photo; the right column starts only after the left one ends.
    first, go_on = text.index("Dubrovnik has weath-"), text.index("ered time and war")
    left_end, right_start = text.index("needs. Tourism accounted"), text.index("need receives flour")
    assert first < go_on < left_end < right_start
    assert text.index("Catholic charity") < text.index("those responsible for security")


def test_magazine_page_has_regions_and_typed_blocks(magazine_job):
    page = magazine_job["pages"][0]
    assert {"text", "figure", "footer"} <= {region["type"] for region in page["regions"]}
    for region in page["regions"]:
        assert 0 < region["confidence"] <= 1 and len(region["bbox"]) == 4
    caption = next(block for block in page["blocks"] if block["text"].startswith("THE TERRA-COTTA"))
    assert caption["type"] == "figure_caption"
    footer = next(block for block in page["blocks"] if "SEPTEMBER 1993" in block["text"])
    assert footer["type"] == "footer"
    assert "SEPTEMBER 1993" in page["text"] and "SEPTEMBER 1993" not in page["markdown"]


def test_spanning_header_cells_keep_their_spans(paper_job):
    page = paper_job["pages"][0]
    (table,) = page["tables"]
    teds = next(cell for cell in table["cells"] if cell["text"] == "TEDs")
    assert (teds["row"], teds["col_span"]) == (0, 3)
    language = next(cell for cell in table["cells"] if cell["text"] == "Language")
    assert language["row_span"] == 2
    under = [cell["text"] for cell in table["cells"] if cell["row"] == 1]
    assert under[:3] == ["simple", "complex", "all"]
    assert table["rows"][0][teds["col"]] == "TEDs" and table["rows"][0][teds["col"] + 1] == ""
    assert '<th colspan="3">TEDs</th>' in page["markdown"]


def test_ocr_table_stays_between_the_paragraphs_around_it(paper_job):
    markdown = paper_job["pages"][0]["markdown"]
    before, table = markdown.index("2x speed"), markdown.index("<table>")
    after = markdown.index("Quantitative Results")
    assert before < table < after
    assert markdown.startswith("order to compute the TED score")  # the running header and page number are out


def test_word_export_merges_spanning_cells(client, paper_job):
    response = client.get(f"/api/v1/ocr/{paper_job['uuid']}/download/", params={"format": "docx"})
    assert response.status_code == 200
    (table,) = docx.Document(io.BytesIO(response.content)).tables
    header = [cell.text for cell in table.rows[0].cells]
    assert header.count("TEDs") == 3  # one merged cell over three columns
    assert [cell.text for cell in table.rows[1].cells][3:6] == ["simple", "complex", "all"]


def test_text_layer_table_stays_in_place_and_footers_leave_markdown(report_job):
    page = report_job["pages"][3]  # the report's page 8: Table 2-1 drawn last in the PDF
    markdown = page["markdown"]
    assert markdown.index("describes the columns") < markdown.index("| Column name |") < markdown.index("To discover")
    footers = [block["text"] for block in page["blocks"] if block.get("type") == "footer"]
    assert "Row and Column Access Control Support in IBM DB2 for i" in footers
    for page in report_job["pages"]:
        furniture = [block["text"] for block in page["blocks"] if block.get("type") in ("header", "footer")]
        assert any(text.isdigit() for text in furniture), f"page {page['index']} has no page number"
        markdown_lines = page["markdown"].splitlines()
        assert all(text in page["text"] and text not in markdown_lines for text in furniture)


def test_bullets_drawn_from_a_symbol_font_stay_list_items(report_job):
    markdown = report_job["pages"][0]["markdown"]
    assert "- Security fundamentals\n- Current state of IBM i security\n- DB2 for i security controls" in markdown


def running_header_pdf() -> bytes:
    """Three pages with a running header; only the first leaves a clear gap under it."""
    pdf = pymupdf.open()
    for number in range(1, 4):
        page = pdf.new_page(width=595, height=842)
        page.insert_text((72, 40), f"Quarterly Bulletin of the Harbour Board, issue {number}", fontsize=9)
        top = 80 if number == 1 else 52
        for line in range(30):
            words = f"Line {line} of page {number}: the harbour board met and agreed on the new berths."
            page.insert_text((72, top + 14 * line), words, fontsize=10)
    return pdf.tobytes()


def test_running_headers_are_found_by_repetition_across_pages(client):
    job = post(client, "bulletin.pdf", running_header_pdf(), language="en")
    for page in job["pages"]:
        header = page["blocks"][0]
        assert header["text"].startswith("Quarterly Bulletin") and header["type"] == "header"
        assert "Quarterly Bulletin" not in page["markdown"] and "Quarterly Bulletin" in page["text"]


def pdf_with_text_in_a_picture() -> bytes:
    """An invoice page whose bank details are a picture, between two lines of real text."""
    picture = Image.new("RGB", (900, 160), "white")
    draw = ImageDraw.Draw(picture)
    font = ImageFont.truetype(FONT, 40)
    draw.text((20, 20), "IBAN DE89 3704 0044 0532 0130 00", fill="black", font=font)
    draw.text((20, 90), "BIC COBADEFFXXX", fill="black", font=font)
    png = io.BytesIO()
    picture.save(png, format="PNG")
    pdf = pymupdf.open()
    page = pdf.new_page(width=595, height=842)
    page.insert_text((72, 100), "Invoice 2024-117 for the harbour board, due in thirty days.", fontsize=11)
    page.insert_image(pymupdf.Rect(72, 130, 372, 183), stream=png.getvalue())
    page.insert_text((72, 220), "Please pay to the account above and quote the invoice number.", fontsize=11)
    return pdf.tobytes()


def test_text_in_a_picture_of_a_born_digital_page_is_read(client):
    job = post(client, "invoice.pdf", pdf_with_text_in_a_picture(), language="en")
    page = job["pages"][0]
    assert page["source"] == "text_layer"
    from_ocr = [block for block in page["blocks"] if block.get("source") == "ocr"]
    assert any("DE89" in block["text"] for block in from_ocr) and any("COBADEFF" in b["text"] for b in from_ocr)
    text = job["text"]
    assert text.index("Invoice 2024-117") < text.index("DE89") < text.index("Please pay")


def test_csv_export_of_a_spanning_table_keeps_its_grid(client, paper_job):
    response = client.get(f"/api/v1/ocr/{paper_job['uuid']}/download/", params={"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    header = next(number for number, row in enumerate(rows) if "TEDs" in row)
    column = rows[header].index("TEDs")
    assert rows[header][column + 1 : column + 3] == ["", ""]  # the slots the spanning cell covers
    assert rows[header + 1][column : column + 3] == ["simple", "complex", "all"]
