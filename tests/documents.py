"""Upload files made from the test data: (name, bytes) pairs for multipart posts."""

import io
from pathlib import Path

import pymupdf
from PIL import Image

DATA = Path(__file__).parent / "data"


def data_file(name: str) -> bytes:
    return (DATA / name).read_bytes()


def truth(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def converted(name: str, image_format: str, **save_args) -> bytes:
    """A test-data image re-encoded as `image_format` (PNG, BMP, GIF, ...)."""
    buffer = io.BytesIO()
    Image.open(DATA / name).convert("RGB").save(buffer, format=image_format, **save_args)
    return buffer.getvalue()


def multipage_tiff(*names: str) -> bytes:
    frames = [Image.open(DATA / name).convert("RGB") for name in names]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate")
    return buffer.getvalue()


WORDS = (
    "the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxing "
    "matches and a bright sphinx of black quartz hears my solemn vow"
).split()


def page_lines(page_number: int, lines: int = 40) -> list[str]:
    """The text of a page; every line differs, so pages can be told apart."""
    return [
        f"Page {page_number} line {line}: " + " ".join(WORDS[(page_number + line + k) % len(WORDS)] for k in range(9))
        for line in range(1, lines + 1)
    ]


def born_digital_pdf(pages: int, lines: int = 40) -> bytes:
    pdf = pymupdf.open()
    for number in range(1, pages + 1):
        page = pdf.new_page(width=595, height=842)
        page.insert_text((56, 60), page_lines(number, lines), fontsize=10, fontname="helv", lineheight=1.8)
    data = pdf.tobytes(garbage=3, deflate=True)
    pdf.close()
    return data


def pdf_with_lines(lines: list[str]) -> bytes:
    """A one-page born-digital PDF drawing `lines` in Helvetica."""
    pdf = pymupdf.open()
    page = pdf.new_page(width=595, height=842)
    page.insert_text((56, 60), "\n".join(lines), fontsize=11, fontname="helv", lineheight=1.8)
    data = pdf.tobytes()
    pdf.close()
    return data


def consonant_lines(count: int = 6, seed: int = 7) -> list[str]:
    """Lines of random consonant "words": what a broken font mapping or a bad OCR layer looks like."""
    import random

    rng = random.Random(seed)
    return [" ".join("".join(rng.choices("bcdfghjklmnpqrstvwxz", k=5)) for _ in range(8)) for _ in range(count)]


def scanned_pdf(names: list[str], dpi: int = 200) -> bytes:
    """A PDF of image-only pages (no text layer), one per test-data image, sized so that
    rendering at `dpi` gives back the image's own pixels."""
    pdf = pymupdf.open()
    for name in names:
        image = Image.open(DATA / name).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=90)
        page = pdf.new_page(width=image.width * 72 / dpi, height=image.height * 72 / dpi)
        page.insert_image(page.rect, stream=buffer.getvalue())
    return pdf.tobytes(garbage=3, deflate=True)


def with_corrupt_image(pdf_bytes: bytes, index: int) -> bytes:
    """The PDF with the image of page `index` replaced by a JPEG stream of garbage (pages may
    share their image and resources, so the page gets its own)."""
    pdf = pymupdf.open(stream=pdf_bytes)
    page = pdf[index]
    image_xref = page.get_images()[0][0]
    broken = pdf.get_new_xref()
    pdf.update_object(broken, pdf.xref_object(image_xref, compressed=True))
    pdf.update_stream(broken, b"\xff\xd8\xff\xe0" + b"not a jpeg " * 100, compress=False)
    kind, resources = pdf.xref_get_key(page.xref, "Resources")
    if kind == "xref":
        resources = pdf.xref_object(int(resources.split()[0]), compressed=True)
    pdf.xref_set_key(page.xref, "Resources", resources.replace(f"{image_xref} 0 R", f"{broken} 0 R"))
    return pdf.tobytes()


REPORT_TITLE = "Quarterly Report"
REPORT_PARAGRAPH = [
    "Sales rose in every region this quarter, led by strong demand for",
    "the new product line and a steady rise in repeat orders.",
]
REPORT_LIST = ["Revenue grew by twelve percent", "Costs stayed flat", "Two new offices opened"]
REPORT_TABLE = [
    ["Region", "Units", "Revenue"],
    ["North", "1200", "45000"],
    ["South", "950", "38500"],
    ["East", "1430", "52100"],
]


def report_pdf(scanned_page: str | None = None) -> bytes:
    """A born-digital page with a title, a paragraph, a bulleted list and a table, then
    (optionally) an image-only page of a test-data scan."""
    pdf = pymupdf.open()
    page = pdf.new_page(width=595, height=842)
    page.insert_text((56, 80), REPORT_TITLE, fontsize=22, fontname="hebo")
    page.insert_text((56, 130), REPORT_PARAGRAPH, fontsize=11, fontname="helv", lineheight=1.4)
    for number, item in enumerate(REPORT_LIST):
        page.insert_text((66, 200 + 22 * number), f"\u2022 {item}", fontsize=11, fontname="helv")
    for row_number, row in enumerate(REPORT_TABLE):
        for column, cell in enumerate(row):
            page.insert_text((80 + 150 * column, 320 + 24 * row_number), cell, fontsize=11, fontname="helv")
    if scanned_page:
        image = Image.open(DATA / scanned_page).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=90)
        scan = pdf.new_page(width=image.width * 72 / 200, height=image.height * 72 / 200)
        scan.insert_image(scan.rect, stream=buffer.getvalue())
    return pdf.tobytes(garbage=3, deflate=True)
