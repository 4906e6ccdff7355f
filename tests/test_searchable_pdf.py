"""The searchable-PDF export: pages look like the originals, and their invisible text extracts
back with PyMuPDF as the job read it, where it appears on the page."""

import io
import unicodedata

import numpy as np
import pymupdf
import pytest
from PIL import Image, ImageOps

from engines.types import Block, PageResult
from exports import fonts
from exports.searchable_pdf import page_outline, searchable_pdf, searchable_pdf_of_outlines
from pipelines.documents.text_layer import TextLayerReader
from pipelines.jobs.record import failed_page_record, page_record
from tests.documents import born_digital_pdf, converted, data_file, multipage_tiff, page_lines, scanned_pdf

DPI = 200
SCALE = DPI / 72  # pixels per point of the PDFs rendered for OCR
TOLERANCE_PT = 2.0  # how far an extracted word may lie from where its line's box puts it
NOTO_INSTALLED = (fonts.NOTO_DIR / "NotoSans-Regular.ttf").is_file()
needs_noto = pytest.mark.skipif(not NOTO_INSTALLED, reason="Debian package fonts-noto-core is not installed")

PHOTOTEST_LINES = [
    "This is a lot of 12 point text to test the",
    "ocr code and see if it works on all types",
    "of file format.",
]


def ocr_blocks(lines: list[str], char_width: float = 13.0, height: float = 30.0) -> list[Block]:
    """One block per line, stacked, each about as wide as the line would be printed."""
    return [
        Block(text, [40.0, 40.0 + 50 * n, 40.0 + char_width * len(text), 40.0 + 50 * n + height], 0.9)
        for n, text in enumerate(lines)
    ]


def ocr_record(index: int, size: tuple[int, int], blocks: list[Block]) -> dict:
    return page_record(index, PageResult(width=size[0], height=size[1], blocks=blocks), "ocr")


def rendered_size(pdf_bytes: bytes, index: int) -> tuple[int, int]:
    with pymupdf.open(stream=pdf_bytes, filetype="pdf") as pdf:
        pixmap = pdf[index].get_pixmap(dpi=DPI)
        return pixmap.width, pixmap.height


def text_layer_records(pdf_bytes: bytes, source: str) -> list[dict]:
    with pymupdf.open(stream=pdf_bytes, filetype="pdf") as pdf:
        reader = TextLayerReader(pdf)
        return [page_record(i, reader.read(pdf[i], SCALE), source) for i in range(pdf.page_count)]


def lines_of(page: pymupdf.Page) -> list[str]:
    return [line for line in page.get_text().splitlines() if line.strip()]


def words_on_page(page: pymupdf.Page) -> list[tuple[pymupdf.Rect, str]]:
    """The page's words and their boxes as the page is seen (extraction gives them unrotated)."""
    return [(pymupdf.Rect(word[:4]) * page.rotation_matrix, word[4]) for word in page.get_text("words")]


def assert_words_fill_boxes(page: pymupdf.Page, blocks: list[Block], points_per_pixel: tuple[float, float]):
    """Every block's words extract in order, from its left edge to its right edge, within its height."""
    words = words_on_page(page)
    for block in blocks:
        count = len(block.text.split())
        line, words = words[:count], words[count:]
        assert [text for _, text in line] == block.text.split()
        x0, y0, x1, y1 = (value * points_per_pixel[i % 2] for i, value in enumerate(block.bbox))
        assert line[0][0].x0 == pytest.approx(x0, abs=TOLERANCE_PT)
        assert line[-1][0].x1 == pytest.approx(x1, abs=TOLERANCE_PT)
        for box, _ in line:
            assert box.y0 == pytest.approx(y0, abs=TOLERANCE_PT)
            assert box.y1 == pytest.approx(y1, abs=TOLERANCE_PT)
    assert not words


def gray_render(page: pymupdf.Page, dpi: int = 72) -> np.ndarray:
    pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
    return np.frombuffer(pixmap.samples, dtype=np.uint8).reshape(pixmap.height, pixmap.width).astype(float)


# ---- Images


def test_jpeg_is_embedded_as_is_turned_by_its_exif_orientation():
    jpeg = data_file("img_exif_orientation.jpg")  # EXIF orientation 3 (upside down), 72 dpi
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(jpeg))).convert("L")
    blocks = [Block("Hello searchable world", [30.0, 40.0, 330.0, 80.0], 0.9)]

    output = pymupdf.open(stream=searchable_pdf(jpeg, [ocr_record(0, upright.size, blocks)], DPI))

    page = output[0]
    assert (page.rect.width, page.rect.height) == upright.size  # 72 dpi: a point per pixel
    assert output.xref_stream_raw(page.get_images()[0][0]) == jpeg
    difference = np.abs(gray_render(page) - np.asarray(upright, dtype=float)).mean()
    assert difference < 2.0  # upright, not upside down
    assert_words_fill_boxes(page, blocks, (1.0, 1.0))


def test_frames_of_a_tiff_become_pages_sized_from_the_default_dpi():
    tiff = multipage_tiff("phototest.tif", "phototest.tif", "phototest.tif")  # no resolution metadata
    size = Image.open(io.BytesIO(tiff)).size
    pages = [ocr_record(1, size, ocr_blocks(["second frame"])), ocr_record(2, size, ocr_blocks(["third frame"]))]

    output = pymupdf.open(stream=searchable_pdf(tiff, pages, 300))

    assert [lines_of(page) for page in output] == [["second frame"], ["third frame"]]
    assert output[0].rect.width == pytest.approx(size[0] * 72 / 300)
    assert_words_fill_boxes(output[1], ocr_blocks(["third frame"]), (72 / 300, 72 / 300))


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_page_ocr_read_turned_is_shown_upright_with_its_text_on_it(turn):
    """OCR turned the image `turn` degrees clockwise to read it: the boxes are in the upright
    image's pixels, and the PDF shows the page upright."""
    upright = Image.open(io.BytesIO(data_file("phototest.tif"))).convert("RGB")
    sideways = io.BytesIO()
    upright.rotate(turn, expand=True).save(sideways, format="PNG")  # PIL turns counterclockwise
    blocks = ocr_blocks(PHOTOTEST_LINES)
    record = ocr_record(0, upright.size, blocks) | {"rotation": turn}

    output = pymupdf.open(stream=searchable_pdf(sideways.getvalue(), [record], DPI))

    page = output[0]
    assert (page.rect.width, page.rect.height) == pytest.approx(tuple(v * 72 / DPI for v in upright.size))
    assert lines_of(page) == PHOTOTEST_LINES
    assert_words_fill_boxes(page, blocks, (72 / DPI, 72 / DPI))
    seen = np.asarray(Image.open(io.BytesIO(page.get_pixmap(dpi=DPI).tobytes("png"))).convert("L"), dtype=float)
    assert np.abs(seen - np.asarray(upright.convert("L"), dtype=float)).mean() < 10


def test_image_without_text_is_a_page_with_the_image_only():
    png = converted("phototest.tif", "PNG")

    output = pymupdf.open(stream=searchable_pdf(png, [failed_page_record(0, "OCR failed")], DPI))

    assert len(output) == 1 and len(output[0].get_images()) == 1
    assert output[0].get_text() == ""


# ---- PDFs


def test_scanned_pages_keep_their_image_and_get_the_text_where_it_is():
    scan = scanned_pdf(["phototest.tif", "phototest.tif"])
    size = rendered_size(scan, 0)
    blocks = ocr_blocks(PHOTOTEST_LINES)

    output = pymupdf.open(stream=searchable_pdf(scan, [ocr_record(0, size, blocks), ocr_record(1, size, [])], DPI))
    original = pymupdf.open(stream=scan)

    assert len(output) == 2
    assert lines_of(output[0]) == PHOTOTEST_LINES
    assert_words_fill_boxes(output[0], blocks, (1 / SCALE, 1 / SCALE))
    image = output[0].get_images()[0][0]
    assert output.xref_stream_raw(image) == original.xref_stream_raw(original[0].get_images()[0][0])
    assert np.array_equal(gray_render(output[0]), gray_render(original[0]))  # the text is invisible
    assert output[1].get_text() == ""


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotated_and_cropped_scan_gets_the_text_where_it_is_seen(rotation):
    pdf = pymupdf.open(stream=scanned_pdf(["phototest.tif"]))
    pdf[0].set_cropbox(pymupdf.Rect(10, 20, 220, 160))
    pdf[0].set_rotation(rotation)
    scan = pdf.tobytes()
    blocks = ocr_blocks(["rotated page text"])

    output = pymupdf.open(stream=searchable_pdf(scan, [ocr_record(0, rendered_size(scan, 0), blocks)], DPI))

    assert output[0].rotation == rotation
    assert_words_fill_boxes(output[0], blocks, (1 / SCALE, 1 / SCALE))


def test_born_digital_pages_are_kept_with_their_own_text_only():
    pdf_bytes = born_digital_pdf(2, lines=5)

    output = pymupdf.open(stream=searchable_pdf(pdf_bytes, text_layer_records(pdf_bytes, "text_layer"), DPI))

    original = pymupdf.open(stream=pdf_bytes)
    assert [page.get_text() for page in output] == [page.get_text() for page in original]
    assert lines_of(output[1]) == page_lines(2, 5)


def test_a_pdf_whose_pages_all_keep_their_text_is_written_anew_without_what_the_upload_hid():
    pdf_bytes = born_digital_pdf(3, lines=2)
    upload = pdf_bytes + b"%HIDDEN-" + b"x" * 1000 + b"\n"  # bytes after the end, as a polyglot carries
    records = text_layer_records(pdf_bytes, "text_layer")
    records[1] = failed_page_record(1, "could not render")

    export = searchable_pdf(upload, records, DPI)

    assert b"HIDDEN" not in export
    assert [lines_of(page) for page in pymupdf.open(stream=export)] == [page_lines(n, 2) for n in (1, 2, 3)]


def test_objects_the_upload_no_longer_uses_are_not_in_the_export(tmp_path):
    pdf = pymupdf.open(stream=born_digital_pdf(2, lines=2), filetype="pdf")
    orphan = pdf.get_new_xref()  # an object nothing refers to
    pdf.update_object(orphan, "<< /Note (ORPHAN-SECRET) >>")
    pdf.set_metadata({"title": "OLD-SECRET"})
    pdf.save(tmp_path / "a.pdf")
    pdf = pymupdf.open(tmp_path / "a.pdf")
    pdf.set_metadata({"title": "new title"})
    pdf.saveIncr()  # the old title stays in the file's first revision
    pdf.close()
    upload = (tmp_path / "a.pdf").read_bytes()
    assert b"OLD-SECRET" in upload and b"ORPHAN-SECRET" in upload

    export = pymupdf.open(stream=searchable_pdf(upload, text_layer_records(upload, "text_layer"), DPI))

    objects = [export.xref_object(xref) for xref in range(1, export.xref_length())]
    streams = [export.xref_stream(xref) or b"" for xref in range(1, export.xref_length())]
    assert not any("SECRET" in text for text in objects) and not any(b"SECRET" in data for data in streams)
    assert export.metadata["title"] == "new title"


def test_blocks_are_read_only_for_the_pages_whose_text_is_written():
    scan = scanned_pdf(["phototest.tif", "phototest.tif"])
    size = rendered_size(scan, 0)
    records = [ocr_record(0, size, ocr_blocks(["first page"])), ocr_record(1, size, ocr_blocks(["second page"]))]
    read = []

    def blocks_of(number: int) -> list[dict]:
        read.append(number)
        return records[number]["blocks"]

    outlines = [page_outline(record) for record in records]
    output = pymupdf.open(stream=searchable_pdf_of_outlines(scan, outlines, DPI, blocks_of))

    assert [lines_of(page) for page in output] == [["first page"], ["second page"]]
    assert read == [0, 1]
    assert all("blocks" not in outline and "text" not in outline for outline in outlines)


def test_ocred_page_with_a_text_layer_is_rasterized_so_its_text_appears_once():
    pdf_bytes = born_digital_pdf(1, lines=5)
    records = text_layer_records(pdf_bytes, "ocr")  # as if the user forced OCR

    output = pymupdf.open(stream=searchable_pdf(pdf_bytes, records, DPI))

    page = output[0]
    assert lines_of(page) == page_lines(1, 5)
    assert "Helvetica" not in {font[3] for font in page.get_fonts(full=True)}
    assert len(page.get_images()) == 1
    original_words = pymupdf.open(stream=pdf_bytes)[0].get_text("words")
    for word, original in zip(page.get_text("words"), original_words, strict=True):
        assert word[4] == original[4]
        assert pymupdf.Rect(word[:4]).x0 == pytest.approx(original[0], abs=4)  # other font, same line width
        assert pymupdf.Rect(word[:4]).y1 == pytest.approx(original[3], abs=TOLERANCE_PT)


def test_rasterized_rotated_page_is_upright():
    pdf = pymupdf.open(stream=born_digital_pdf(1, lines=3))
    pdf[0].set_rotation(90)
    pdf_bytes = pdf.tobytes()
    size = rendered_size(pdf_bytes, 0)

    output = pymupdf.open(stream=searchable_pdf(pdf_bytes, [ocr_record(0, size, ocr_blocks(["upright"]))], DPI))

    page = output[0]
    assert page.rotation == 0 and (page.rect.width, page.rect.height) == pytest.approx((842, 595), abs=1)
    assert lines_of(page) == ["upright"]
    assert np.abs(gray_render(page) - gray_render(pdf[0])).mean() < 2.0


def test_selected_pages_only_in_index_order_and_a_failed_page_is_kept_unchanged():
    pdf_bytes = born_digital_pdf(3, lines=2)
    records = text_layer_records(pdf_bytes, "text_layer")
    pages = [records[0], failed_page_record(2, "could not render")]

    output = pymupdf.open(stream=searchable_pdf(pdf_bytes, pages, DPI))

    assert [lines_of(page) for page in output] == [page_lines(1, 2), page_lines(3, 2)]


@pytest.mark.parametrize("document", [born_digital_pdf(1), converted("phototest.tif", "PNG")])
def test_page_index_outside_the_document_is_an_error(document):
    with pytest.raises(ValueError, match="not all in"):
        searchable_pdf(document, [failed_page_record(3, "?")], DPI)


# ---- Scripts and fonts


@needs_noto
def test_lines_in_many_scripts_extract_exactly():
    lines = {
        "Съешь же ещё этих мягких булок": 13,
        "中文测试：你好，世界。": 30,
        "مرحبا بالعالم": 12,
        "שלום עולם": 13,
        "नमस्ते दुनिया": 16,
        "สวัสดีชาวโลก": 12,
        "Γειά σου κόσμε": 13,
        "Tiếng Việt có dấu": 13,
        "日本語のテキストと한국어": 30,
    }
    blocks = [
        Block(text, [20.0, 20.0 + 50 * n, 20.0 + width * len(text), 50.0 + 50 * n], 0.9)
        for n, (text, width) in enumerate(lines.items())
    ]
    png = converted("phototest.tif", "PNG")

    output = pymupdf.open(stream=searchable_pdf(png, [ocr_record(0, (640, 480), blocks)], 72))

    assert [unicodedata.normalize("NFC", line) for line in lines_of(output[0])] == list(lines)
    assert all(font[3].split("+")[0].isupper() for font in output[0].get_fonts(full=True))  # subsets


def test_a_line_of_chinese_keeps_the_pdf_small():
    png = converted("phototest.tif", "PNG")
    blocks = [Block("这是一行中文文本，用于测试字体子集。", [20.0, 20.0, 600.0, 52.0], 0.9)]

    result = searchable_pdf(png, [ocr_record(0, (640, 480), blocks)], 72)

    assert len(result) - len(png) < 100_000
    assert lines_of(pymupdf.open(stream=result)[0]) == [blocks[0].text]


@needs_noto
def test_a_line_is_cut_into_runs_only_where_the_font_changes():
    runs = fonts.runs("Привет 中文 text")
    assert [(run.font.name, run.text) for run in runs] == [
        ("Noto Sans Regular", "Привет "),
        ("Droid Sans Fallback Regular", "中文 text"),  # the CJK font has Latin too
    ]
    assert fonts.runs("שלום 12")[0].right_to_left
    assert fonts.runs("a\U0010fffdb") == fonts.runs("ab")  # what no font has is left out


def test_without_noto_fonts_the_builtin_font_is_used_with_a_warning(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(fonts, "NOTO_DIR", tmp_path)
    fonts.clear_caches()
    try:
        png = converted("phototest.tif", "PNG")
        blocks = ocr_blocks(["Привет мир", "中文测试"], char_width=24)
        output = pymupdf.open(stream=searchable_pdf(png, [ocr_record(0, (640, 480), blocks)], 72))
    finally:
        fonts.clear_caches()

    assert lines_of(output[0]) == ["Привет мир", "中文测试"]
    assert "No Noto fonts" in caplog.text


def test_pages_render_to_png():
    scan = scanned_pdf(["phototest.tif"])
    blocks = ocr_blocks(PHOTOTEST_LINES)

    output = pymupdf.open(stream=searchable_pdf(scan, [ocr_record(0, rendered_size(scan, 0), blocks)], DPI))

    image = Image.open(io.BytesIO(output[0].get_pixmap().tobytes("png")))
    assert image.size == pytest.approx((output[0].rect.width, output[0].rect.height), abs=1)
    assert np.asarray(image.convert("L")).std() > 10  # the scan shows


# ---- Partly broken documents


def test_a_failed_frame_that_does_not_decode_is_a_blank_page_of_its_size():
    from tests.reliability.hostile_files import tiff_with_a_corrupt_middle_page

    tiff = tiff_with_a_corrupt_middle_page()  # the second frame's pixels lie past the end of the file
    size = Image.open(io.BytesIO(tiff)).size
    pages = [
        ocr_record(0, size, ocr_blocks(["first frame"])),
        failed_page_record(1, "Page 2 of the TIFF file is corrupt"),
        ocr_record(2, size, ocr_blocks(["third frame"])),
    ]

    output = pymupdf.open(stream=searchable_pdf(tiff, pages, DPI))

    assert [lines_of(page) for page in output] == [["first frame"], [], ["third frame"]]
    assert output[1].rect == output[0].rect  # page numbers stay those of the job
    assert not output[1].get_images() and gray_render(output[1]).min() == 255


@pytest.mark.parametrize("kind", ["float", "16-bit"])
def test_frames_of_more_than_8_bits_show_as_ocr_saw_them(kind):
    from tests.reliability.hostile_files import float_tiff, sixteen_bit_grey

    tiff = float_tiff() if kind == "float" else sixteen_bit_grey("TIFF")
    size = Image.open(io.BytesIO(tiff)).size

    output = pymupdf.open(stream=searchable_pdf(tiff, [ocr_record(0, size, ocr_blocks(["4217"]))], DPI))

    grey = gray_render(output[0])
    assert grey.mean() > 128 and grey.std() > 10  # a white page with dark text, not a black page


def test_a_repaired_pdf_that_cannot_be_rewritten_is_rendered_with_its_text():
    from tests.reliability.hostile_files import PDF_DEEP_NESTING  # `select` fails on it

    pages = [ocr_record(0, rendered_size(PDF_DEEP_NESTING, 0), ocr_blocks(["read on the page"]))]

    output = pymupdf.open(stream=searchable_pdf(PDF_DEEP_NESTING, pages, DPI))

    assert output.page_count == 1 and (output[0].rect.width, output[0].rect.height) == (612, 792)
    assert lines_of(output[0]) == ["read on the page"]


def test_when_select_fails_every_page_is_rendered_with_the_text_read_on_it(monkeypatch):
    pdf_bytes = born_digital_pdf(3, lines=2)
    records = text_layer_records(pdf_bytes, "text_layer")
    pages = [records[0], failed_page_record(1, "could not render")]  # not page 3: select is needed

    def select(self, indexes):
        raise pymupdf.mupdf.FzErrorArgument("not a dict (null)")

    monkeypatch.setattr(pymupdf.Document, "select", select)
    output = pymupdf.open(stream=searchable_pdf(pdf_bytes, pages, DPI))

    assert [lines_of(page) for page in output] == [page_lines(1, 2), []]
    assert [len(page.get_images()) for page in output] == [1, 1]  # renderings, of the failed page too
    assert all("Helvetica" not in {font[3] for font in page.get_fonts(full=True)} for page in output)
