"""Invoices and forms in several languages, drawn as PDFs with PyMuPDF, for chat's value questions.

Each document is a list of pages; a page is a list of parts laid out top to bottom: label/value
pairs beside each other (`Beside`) or the value under its label (`Stacked`), two such columns
side by side (`Columns`), tables (`Grid`) and running text (`Prose`). `pdf_bytes` draws one;
`scanned_pdf_bytes` draws it as a picture only, so that the service OCRs it.
"""

from dataclasses import dataclass

import pymupdf

FONT = "helv"
SIZE = 10
LINE = 16
LEFT = 50
RIGHT_COLUMN = 320
LABEL_WIDTH = 120
PAGE_TOP = 60
SCAN_DPI = 200


@dataclass(frozen=True)
class Beside:
    pairs: list[tuple[str, str]]
    x: float = LEFT
    gap: float = LABEL_WIDTH  # the value's distance from the label's left edge


@dataclass(frozen=True)
class Stacked:
    pairs: list[tuple[str, str]]
    x: float = LEFT
    across: bool = False  # pairs side by side (boxes of a form's row), else one under another


@dataclass(frozen=True)
class Columns:
    left: "Part"
    right: "Part"


@dataclass(frozen=True)
class Grid:
    rows: list[list[str]]
    widths: list[float]
    ruled: bool = True


@dataclass(frozen=True)
class Prose:
    lines: list[str]


Part = Beside | Stacked | Columns | Grid | Prose


def pdf_bytes(pages: list[list[Part]]) -> bytes:
    """The document as a born-digital PDF (A4 pages)."""
    document = pymupdf.open()
    for parts in pages:
        page = document.new_page(width=595, height=842)
        y = PAGE_TOP
        for part in parts:
            y = _draw(page, part, y) + LINE + 8
    data = document.tobytes()
    document.close()
    return data


def scanned_pdf_bytes(pages: list[list[Part]]) -> bytes:
    """The document as a PDF of page pictures, without a text layer."""
    drawn = pymupdf.open(stream=pdf_bytes(pages), filetype="pdf")
    scan = pymupdf.open()
    for page in drawn:
        picture = page.get_pixmap(dpi=SCAN_DPI, colorspace=pymupdf.csGRAY)
        scan.new_page(width=page.rect.width, height=page.rect.height).insert_image(page.rect, pixmap=picture)
    data = scan.tobytes()
    drawn.close()
    scan.close()
    return data


def _draw(page: pymupdf.Page, part: Part, y: float) -> float:
    """Draw `part` from `y` down; the y of its last baseline."""
    if isinstance(part, Beside):
        return _beside(page, part, y)
    if isinstance(part, Stacked):
        return _stacked(page, part, y)
    if isinstance(part, Columns):
        return max(_draw(page, part.left, y), _draw(page, _moved(part.right), y))
    if isinstance(part, Grid):
        return _grid(page, part, y)
    for line in part.lines:
        page.insert_text((LEFT, y), line, fontname=FONT, fontsize=SIZE)
        y += LINE
    return y - LINE


def _moved(part: Part) -> Part:
    """A column part moved to the right half of the page."""
    if isinstance(part, Beside):
        return Beside(part.pairs, RIGHT_COLUMN, min(part.gap, 110))
    if isinstance(part, Stacked):
        return Stacked(part.pairs, RIGHT_COLUMN, part.across)
    return part


def _beside(page: pymupdf.Page, part: Beside, y: float) -> float:
    for label, value in part.pairs:
        page.insert_text((part.x, y), label, fontname=FONT, fontsize=SIZE)
        page.insert_text((part.x + part.gap, y), value, fontname=FONT, fontsize=SIZE)
        y += LINE
    return y - LINE


def _stacked(page: pymupdf.Page, part: Stacked, y: float) -> float:
    x = part.x
    for label, value in part.pairs:
        page.insert_text((x, y), label, fontname=FONT, fontsize=SIZE - 2)
        page.insert_text((x, y + LINE - 2), value, fontname=FONT, fontsize=SIZE)
        if part.across:
            x += 165
        else:
            y += 2 * LINE + 4
    return y + LINE - 2 if part.across else y - LINE - 6


def _grid(page: pymupdf.Page, part: Grid, y: float) -> float:
    top = y - LINE + 4
    for row in part.rows:
        x = LEFT
        for text, width in zip(row, part.widths, strict=True):
            page.insert_text((x + 4, y), text, fontname=FONT, fontsize=SIZE)
            x += width
        y += LINE + 4
    if part.ruled:
        right = LEFT + sum(part.widths)
        bottom = top + len(part.rows) * (LINE + 4)
        for row in range(len(part.rows) + 1):
            page.draw_line((LEFT, top + row * (LINE + 4)), (right, top + row * (LINE + 4)), width=0.5)
        x = LEFT
        for width in [0, *part.widths]:
            x += width
            page.draw_line((x, top), (x, bottom), width=0.5)
    return y - LINE - 4
