"""The searchable-PDF export, as OCRmyPDF makes: every page looks like the original and carries an
invisible text layer whose words lie where they appear on the page.

PDF pages are kept as they are when they need no text layer (their own is sound, or they failed),
and when they draw no text (scans: the layer is laid over them). An OCRed page that draws text has a
broken layer, or the user forced OCR: it is replaced by its rendering, so that text extraction does
not return its old layer along with the new one. An image becomes one page per frame.

The text of a page is written on a page of a scratch PDF, upright, each line scaled to span its box,
and laid over the page as a Form XObject.
"""

import io

import pymupdf
from PIL import Image, ImageOps

from exports import fonts
from pipelines.documents import MUPDF_LOCK, sniff_type

# Image types that a PDF embeds as they are; other images are re-encoded as PNG.
EMBEDDED_AS_IS = ("jpeg", "png")
PNG_MODES = ("1", "L", "RGB")  # other image modes are converted to RGB, as OCR saw them
EXIF_ORIENTATION = 0x0112
# EXIF orientations that turn the image by a multiple of 90 degrees -> PyMuPDF's `rotate` for
# `insert_image` (counterclockwise); the mirrored orientations are re-encoded upright instead.
ORIENTATION_ROTATE = {1: 0, 3: 180, 6: 270, 8: 90}
TRANSPOSED_ORIENTATIONS = (5, 6, 7, 8)
# Image resolutions outside these bounds are taken for missing metadata.
MIN_IMAGE_DPI = 50
MAX_IMAGE_DPI = 2400
MAX_PAGE_POINTS = 14_400  # the largest page that PDF readers accept (200 inches)
POINTS_PER_INCH = 72
# Pages replaced by their rendering are JPEG, encoded by Pillow (10 times as fast as MuPDF's encoder).
RASTER_JPEG_QUALITY = 75
INVISIBLE = 3  # PDF text render mode: neither fill nor stroke


def searchable_pdf(document: bytes, pages: list[dict], dpi: int) -> bytes:
    """The job's pages as a searchable PDF: each page looks like the original and carries an
    invisible text layer whose words sit where they appear."""
    kind = sniff_type(document[:1024])
    if kind is None:
        raise ValueError("The document is neither a PDF nor an image that the service reads.")
    if not pages:
        raise ValueError("A searchable PDF needs at least one page.")
    with MUPDF_LOCK:
        output = _pdf_pages(document, pages, dpi) if kind == "pdf" else _image_pages(document, kind, pages, dpi)
        try:
            _turn_upright(output, pages)
            _add_text_layers(output, pages)
            return output.tobytes(garbage=3, deflate=True, use_objstms=True)
        finally:
            output.close()


def _needs_text(record: dict) -> bool:
    return record.get("source") == "ocr" and bool(record.get("blocks")) and bool(record.get("width"))


# ---- PDF input


def _pdf_pages(document: bytes, pages: list[dict], dpi: int) -> pymupdf.Document:
    """The selected pages of the PDF, the OCRed ones that draw text replaced by their rendering."""
    output = pymupdf.open(stream=document, filetype="pdf")
    indexes = [record["index"] for record in pages]
    if not all(0 <= index < output.page_count for index in indexes):
        count = output.page_count
        output.close()
        raise ValueError(f"Page indexes {indexes} are not all in a PDF of {count} pages.")
    draws_text = [bool(output.get_page_fonts(index)) for index in indexes]
    output.select(indexes)
    for number, record in enumerate(pages):
        if record.get("source") == "ocr" and draws_text[number]:
            _rasterize(output, number, dpi)
    return output


def _rasterize(pdf: pymupdf.Document, number: int, dpi: int) -> None:
    """Replace page `number` by an image of it (upright: the new page is not rotated)."""
    page = pdf[number]
    pixmap = page.get_pixmap(dpi=dpi, alpha=False, colorspace=pymupdf.csRGB)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples).save(
        buffer, format="JPEG", quality=RASTER_JPEG_QUALITY, optimize=True
    )
    width, height = page.rect.width, page.rect.height
    pdf.delete_page(number)
    page = pdf.new_page(number, width=width, height=height)
    page.insert_image(page.rect, stream=buffer.getvalue())


# ---- Image input


def _image_pages(document: bytes, kind: str, pages: list[dict], dpi: int) -> pymupdf.Document:
    """A PDF of the selected frames of the image, one page each."""
    output = pymupdf.open()
    with Image.open(io.BytesIO(document)) as image:
        frames = getattr(image, "n_frames", 1)
        if not all(0 <= record["index"] < frames for record in pages):
            raise ValueError(f"Page indexes are not all in an image of {frames} frames.")
        as_is = document if kind in EMBEDDED_AS_IS and frames == 1 else None
        for record in pages:
            image.seek(record["index"])
            _add_image_page(output, image, as_is, dpi)
    return output


def _add_image_page(output: pymupdf.Document, frame: Image.Image, as_is: bytes | None, dpi: int) -> None:
    """A page showing the frame upright (as OCR read it), sized from its resolution."""
    orientation = frame.getexif().get(EXIF_ORIENTATION, 1)
    size, dpi_xy = frame.size, _image_dpi(frame, dpi)
    if orientation in TRANSPOSED_ORIENTATIONS:
        size, dpi_xy = size[::-1], dpi_xy[::-1]
    width, height = _page_size(size, dpi_xy)
    page = output.new_page(width=width, height=height)
    if as_is is not None and orientation in ORIENTATION_ROTATE:
        page.insert_image(page.rect, stream=as_is, rotate=ORIENTATION_ROTATE[orientation], keep_proportion=False)
    else:
        page.insert_image(page.rect, stream=_png(ImageOps.exif_transpose(frame) or frame), keep_proportion=False)


def _image_dpi(frame: Image.Image, default: int) -> tuple[float, float]:
    """The frame's horizontal and vertical resolution, `default` where its metadata has none."""
    try:
        dpi_x, dpi_y = (float(value) for value in frame.info["dpi"])
    except (KeyError, TypeError, ValueError):
        return default, default
    if MIN_IMAGE_DPI <= dpi_x <= MAX_IMAGE_DPI and MIN_IMAGE_DPI <= dpi_y <= MAX_IMAGE_DPI:
        return dpi_x, dpi_y
    return default, default


def _page_size(pixels: tuple[int, int], dpi: tuple[float, float]) -> tuple[float, float]:
    """The page size in points of an image; one too large for PDF readers is shrunk."""
    width, height = (POINTS_PER_INCH * count / resolution for count, resolution in zip(pixels, dpi, strict=True))
    shrink = min(1.0, MAX_PAGE_POINTS / max(width, height))
    return width * shrink, height * shrink


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    (image if image.mode in PNG_MODES else image.convert("RGB")).save(buffer, format="PNG")
    return buffer.getvalue()


# ---- The text layer


def _turn_upright(output: pymupdf.Document, pages: list[dict]) -> None:
    """Show upright the pages that OCR found turned (`rotation`: degrees clockwise it turned the
    image to read it, and the boxes are in the upright image's pixels)."""
    for number, record in enumerate(pages):
        if record.get("rotation"):
            page = output[number]
            page.set_rotation((page.rotation + record["rotation"]) % 360)


def _add_text_layers(output: pymupdf.Document, pages: list[dict]) -> None:
    """Lay the text of the OCRed pages over them. The layers are written on the pages of one scratch
    PDF so that its fonts are subset once and shared by all pages."""
    layers = pymupdf.open()
    try:
        numbers = [number for number, record in enumerate(pages) if _needs_text(record)]
        for number in numbers:
            layer = layers.new_page(width=output[number].rect.width, height=output[number].rect.height)
            _write_lines(layer, pages[number])
        layers.subset_fonts()
        for layer_number, number in enumerate(numbers):
            _lay_over(output[number], layers, layer_number)
    finally:
        layers.close()


def _lay_over(page: pymupdf.Page, layers: pymupdf.Document, number: int) -> None:
    """Show page `number` of `layers`, drawn upright at the size of `page` as seen, over `page`.
    `show_pdf_page` places it in the page's unrotated frame, and misplaces it on a rotated page whose
    crop box is not at the origin: the page is unrotated meanwhile and the layer turned instead."""
    rotation = page.rotation
    page.set_rotation(0)
    page.show_pdf_page(page.rect, layers, number, keep_proportion=False, rotate=rotation)
    page.set_rotation(rotation)


def _write_lines(layer: pymupdf.Page, record: dict) -> None:
    """Write the page's blocks, their boxes scaled from the pixels of the page's image to points."""
    scale_x, scale_y = layer.rect.width / record["width"], layer.rect.height / record["height"]
    for block in record["blocks"]:
        x0, y0, x1, y1 = block["bbox"]
        box = pymupdf.Rect(x0 * scale_x, y0 * scale_y, x1 * scale_x, y1 * scale_y)
        if not box.is_empty:
            _write_line(layer, block["text"], box)


def _write_line(layer: pymupdf.Page, text: str, box: pymupdf.Rect) -> None:
    """Write one line of text, invisible, to fill `box`: the font's ascender at the top, its descender
    at the bottom, the text scaled horizontally to the box's width."""
    runs = fonts.runs(text)
    if not runs:
        return
    ascender = max(run.font.ascender for run in runs)
    descender = min(run.font.descender for run in runs)
    size = box.height / (ascender - descender)
    width = size * sum(fonts.width(run) for run in runs)
    if width <= 0:
        return
    origin = pymupdf.Point(box.x0, box.y1 + descender * size)
    writer = pymupdf.TextWriter(layer.rect)
    position = origin
    # Written left to right: a right-to-left line starts with its last run, and the runs of
    # right-to-left characters are reversed by TextWriter (in visual order, text extraction gives
    # them back in logical order).
    for run in reversed(runs) if fonts.is_right_to_left(text) else runs:
        _, position = writer.append(position, run.text, font=run.font, fontsize=size, right_to_left=run.right_to_left)
    writer.write_text(layer, render_mode=INVISIBLE, morph=(origin, pymupdf.Matrix(box.width / width, 1)))
