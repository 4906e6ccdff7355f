"""The searchable-PDF export, as OCRmyPDF makes: every page looks like the original and carries an
invisible text layer whose words lie where they appear on the page.

PDF pages are kept as they are when they need no text layer (their own is sound, or they failed),
and when they draw no text (scans: the layer is laid over them). An OCRed page that draws text has a
broken layer, or the user forced OCR: it is replaced by its rendering, so that text extraction does
not return its old layer along with the new one. A PDF that MuPDF repaired and cannot rewrite has
all its pages replaced by their renderings, each with the text read on it. An image becomes one page
per frame; a failed frame that does not decode becomes a blank page of its size, so that the pages
stay the job's.

The text of a page is written on a page of a scratch PDF, upright, each line scaled to span its box,
and laid over the page as a Form XObject.
"""

import io
from collections.abc import Callable

import pymupdf
from PIL import Image, ImageOps

from engines.document_files import MUPDF_ERRORS, MUPDF_LOCK, has_fonts, sniff_type, to_8_bits
from exports import fonts

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
# What Pillow raises for a frame it cannot read.
FRAME_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)
DEFAULT_PAGE_SIZE = (612.0, 792.0)  # points (US Letter): a failed PDF page whose size cannot be read
# What the export reads of a page record, besides whether it has blocks and, to write them, the blocks.
OUTLINE_FIELDS = ("index", "source", "rotation", "width", "height", "error")


def searchable_pdf(document: bytes, pages: list[dict], dpi: int) -> bytes:
    """The job's pages as a searchable PDF: each page looks like the original and carries an
    invisible text layer whose words sit where they appear. `pages`: the page records, in page order."""
    return searchable_pdf_of_outlines(
        document, [page_outline(page) for page in pages], dpi, lambda number: pages[number]["blocks"]
    )


def page_outline(record: dict) -> dict:
    """What the export needs of a page record but its blocks: about 100 bytes, where a parsed
    record with its blocks takes about 10 KB. `has_text`: whether the page has blocks to write."""
    return {field: record[field] for field in OUTLINE_FIELDS if field in record} | {"has_text": bool(record["blocks"])}


def searchable_pdf_of_outlines(
    document: bytes, outlines: list[dict], dpi: int, blocks_of: Callable[[int], list[dict]]
) -> bytes:
    """`searchable_pdf` of the pages' outlines (`page_outline`); `blocks_of(number)` gives the blocks
    of page `number` of `outlines` when its text is written (a long job's, read one page at a time).
    The PDF is always written anew, never the upload as it is: bytes hidden in the upload
    (appended files, old revisions) do not outlive it in the export."""
    kind = sniff_type(document[:1024])
    if kind is None:
        raise ValueError("The document is neither a PDF nor an image that the service reads.")
    if not outlines:
        raise ValueError("A searchable PDF needs at least one page.")
    with MUPDF_LOCK:
        if kind == "pdf":
            output, rendered = _pdf_pages(document, outlines, dpi)
        else:
            output, rendered = _image_pages(document, kind, outlines, dpi), False
        try:
            _turn_upright(output, outlines)
            _add_text_layers(output, outlines, rendered, blocks_of)
            # Objects nothing uses go (garbage=1 still wrote them into object streams). Merging
            # duplicates too (garbage=3) takes longer and saves nothing: the layers share their fonts.
            return output.tobytes(garbage=2, deflate=True, use_objstms=True)
        finally:
            output.close()


def _needs_text(outline: dict, rendered: bool) -> bool:
    """Whether the page gets a text layer: an OCRed page, or any page read when every page was
    replaced by its rendering (its own text layer is gone with it)."""
    return (rendered or outline.get("source") == "ocr") and outline["has_text"] and bool(outline.get("width"))


# ---- PDF input


def _pdf_pages(document: bytes, pages: list[dict], dpi: int) -> tuple[pymupdf.Document, bool]:
    """The selected pages of the PDF, the OCRed ones that draw text replaced by their rendering; or,
    where MuPDF cannot rewrite the PDF (one it repaired), all of them rendered (then True)."""
    output = pymupdf.open(stream=document, filetype="pdf")
    indexes = [record["index"] for record in pages]
    if not all(0 <= index < output.page_count for index in indexes):
        count = output.page_count
        output.close()
        raise ValueError(f"Page indexes {indexes} are not all in a PDF of {count} pages.")
    try:
        ocred = [number for number, record in enumerate(pages) if record.get("source") == "ocr"]
        draw_text = [number for number in ocred if has_fonts(output, indexes[number])]
        if indexes != list(range(output.page_count)):  # rearranging pages costs even when in place
            output.select(indexes)
    except MUPDF_ERRORS:  # e.g. "not a dict (null)" on a repaired PDF: `output` may be half changed
        output.close()
        return _rendered_pages(document, pages, dpi), True
    for number in draw_text:
        _rasterize(output, number, dpi)
    return output, False


def _rasterize(pdf: pymupdf.Document, number: int, dpi: int) -> None:
    """Replace page `number` by an image of it (upright: the new page is not rotated)."""
    page = pdf[number]
    width, height, image = page.rect.width, page.rect.height, _rendering(page, dpi)
    pdf.delete_page(number)
    page = pdf.new_page(number, width=width, height=height)
    page.insert_image(page.rect, stream=image)


def _rendered_pages(document: bytes, pages: list[dict], dpi: int) -> pymupdf.Document:
    """A PDF of the renderings of the selected pages (upright). A failed page is rendered where it
    renders within Pillow's decompression-bomb limit (it may have failed for its size), else blank, of
    its size or, where even that is unreadable, of the page before's."""
    source = pymupdf.open(stream=document, filetype="pdf")
    output = pymupdf.open()
    size = DEFAULT_PAGE_SIZE
    try:
        for record in pages:
            failed = bool(record.get("error"))
            try:
                page = source[record["index"]]
                size = _shrunk(page.rect.width, page.rect.height)
                pixels = page.rect.width * page.rect.height * (dpi / POINTS_PER_INCH) ** 2
                image = _rendering(page, dpi) if not failed or pixels <= Image.MAX_IMAGE_PIXELS else None
            except MUPDF_ERRORS:
                if not failed:
                    raise
                image = None
            new_page = output.new_page(width=size[0], height=size[1])
            if image is not None:
                new_page.insert_image(new_page.rect, stream=image)
    except BaseException:
        output.close()
        raise
    finally:
        source.close()
    return output


def _rendering(page: pymupdf.Page, dpi: int) -> bytes:
    """The page as seen, as a JPEG image."""
    pixmap = page.get_pixmap(dpi=dpi, alpha=False, colorspace=pymupdf.csRGB)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples).save(
        buffer, format="JPEG", quality=RASTER_JPEG_QUALITY, optimize=True
    )
    return buffer.getvalue()


# ---- Image input


def _image_pages(document: bytes, kind: str, pages: list[dict], dpi: int) -> pymupdf.Document:
    """A PDF of the selected frames of the image, one page each."""
    output = pymupdf.open()
    try:
        with Image.open(io.BytesIO(document)) as image:
            frames = getattr(image, "n_frames", 1)
            if not all(0 <= record["index"] < frames for record in pages):
                raise ValueError(f"Page indexes are not all in an image of {frames} frames.")
            as_is = document if kind in EMBEDDED_AS_IS and frames == 1 else None
            first_size = _frame_page_size(image, dpi)
            for record in pages:
                if record.get("error"):
                    _add_failed_frame_page(output, image, record["index"], as_is, first_size, dpi)
                else:
                    image.seek(record["index"])
                    _add_image_page(output, image, as_is, dpi)
    except BaseException:
        output.close()
        raise
    return output


def _add_failed_frame_page(
    output: pymupdf.Document,
    image: Image.Image,
    index: int,
    as_is: bytes | None,
    first_size: tuple[float, float],
    dpi: int,
) -> None:
    """The page of a frame whose page failed: the frame where it decodes (OCR may have failed on a
    sound frame), else a blank page of its size, or of the first frame's where even its header is
    unreadable, so that the PDF's pages stay the job's. A frame over Pillow's decompression-bomb
    limit (the page may have failed for its size) is not decoded."""
    try:
        image.seek(index)
        size = _frame_page_size(image, dpi)
    except FRAME_ERRORS:
        output.new_page(width=first_size[0], height=first_size[1])
        return
    if image.width * image.height <= Image.MAX_IMAGE_PIXELS:
        try:
            _add_image_page(output, image, as_is, dpi)
            return
        except FRAME_ERRORS:  # its pixels are corrupt
            pass
    output.new_page(width=size[0], height=size[1])


def _frame_page_size(frame: Image.Image, dpi: int) -> tuple[float, float]:
    """The size in points of the page showing the frame upright, from its resolution."""
    size, dpi_xy = frame.size, _image_dpi(frame, dpi)
    if _orientation(frame) in TRANSPOSED_ORIENTATIONS:
        size, dpi_xy = size[::-1], dpi_xy[::-1]
    return _page_size(size, dpi_xy)


def _orientation(frame: Image.Image) -> int:
    return frame.getexif().get(EXIF_ORIENTATION, 1)


def _add_image_page(output: pymupdf.Document, frame: Image.Image, as_is: bytes | None, dpi: int) -> None:
    """A page showing the frame upright (as OCR read it), sized from its resolution. Frames of more
    than 8 bits per sample are scaled to 8 bits as for OCR (MuPDF draws 0-to-1 floats black). The
    frame is decoded before the page is added: a frame that does not decode adds no page."""
    width, height = _frame_page_size(frame, dpi)
    orientation = _orientation(frame)
    if as_is is not None and orientation in ORIENTATION_ROTATE:
        stream, rotate = as_is, ORIENTATION_ROTATE[orientation]
    else:
        stream, rotate = _png(to_8_bits(ImageOps.exif_transpose(frame) or frame)), 0
    page = output.new_page(width=width, height=height)
    page.insert_image(page.rect, stream=stream, rotate=rotate, keep_proportion=False)


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
    return _shrunk(width, height)


def _shrunk(width: float, height: float) -> tuple[float, float]:
    """A page size in points, shrunk where it is too large for PDF readers."""
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


def _add_text_layers(
    output: pymupdf.Document, outlines: list[dict], rendered: bool, blocks_of: Callable[[int], list[dict]]
) -> None:
    """Lay the text of the OCRed pages (of all pages read, where all were `rendered`) over them. The
    layers are written on the pages of one scratch PDF so that its fonts are subset once and shared
    by all pages."""
    layers = pymupdf.open()
    try:
        numbers = [number for number, outline in enumerate(outlines) if _needs_text(outline, rendered)]
        for number in numbers:
            layer = layers.new_page(width=output[number].rect.width, height=output[number].rect.height)
            _write_lines(layer, outlines[number], blocks_of(number))
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


def _write_lines(layer: pymupdf.Page, outline: dict, blocks: list[dict]) -> None:
    """Write the page's blocks, their boxes scaled from the pixels of the page's image to points."""
    scale_x, scale_y = layer.rect.width / outline["width"], layer.rect.height / outline["height"]
    for block in blocks:
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
