"""Uploaded bytes -> a document of pages, each rendered to an RGB image on demand.

The type is sniffed from the bytes, never from the file name or the content type.
"""

import io
import re
import warnings
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pymupdf
from PIL import Image, ImageOps, UnidentifiedImageError

from engines.document_files import MUPDF_ERRORS, MUPDF_LOCK, has_fonts, sniff_type, to_8_bits
from engines.types import PageResult
from pipelines.documents.text_layer import TextLayerReader

SUPPORTED_TYPES = "PNG, JPEG, WEBP, GIF, BMP, TIFF, PDF"


class DocumentError(ValueError):
    """The upload cannot be read as a document; the message is meant for the user."""


class Document(Protocol):
    kind: str
    page_count: int

    def render(self, index: int) -> np.ndarray: ...

    def text_layer(self, index: int) -> PageResult | None:
        """The page's own sound text layer (born-digital PDFs), or None when it must be OCRed."""
        ...

    def text_layer_rejection(self, index: int) -> str | None:
        """Why the page's text layer was not used (after `text_layer` returned None), if it had one."""
        ...

    def text_layer_pictures(self, index: int) -> list[list[float]]:
        """Boxes (pixels) of the pictures on the page that may hold text its layer lacks (after `text_layer`)."""
        ...

    def draws_text(self, index: int) -> bool:
        """A cheap hint (no text extraction): the page has fonts, so it may have a text layer."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Limits:
    max_page_pixels: int
    pdf_dpi: int


class ImageDocument:
    """A raster image; every frame of a multi-frame GIF or TIFF is a page."""

    def __init__(self, data: bytes, kind: str, limits: Limits) -> None:
        self.kind = kind
        self._limits = limits
        self._image = self._decode(lambda: Image.open(io.BytesIO(data)))
        self.page_count = getattr(self._image, "n_frames", 1)
        self._check_pixels(self._image.size)
        if self.page_count == 1:  # decode now: a broken single image is a 400, not a failed job
            self._decode(self._image.load)

    def _decode(self, step):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                return step()
        except UnidentifiedImageError as exc:  # its message names a Python object, not the file
            raise DocumentError(f"The {self.kind.upper()} file is corrupt: its header cannot be read.") from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise DocumentError(f"The {self.kind.upper()} file is corrupt or unreadable: {exc}") from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise DocumentError("The image is too large (too many pixels).") from exc

    def _check_pixels(self, size: tuple[int, int]) -> None:
        if size[0] * size[1] > self._limits.max_page_pixels:
            raise DocumentError(
                f"A page of {size[0]}x{size[1]} pixels exceeds the limit of "
                f"{self._limits.max_page_pixels} pixels per page."
            )

    def render(self, index: int) -> np.ndarray:
        try:
            self._image.seek(index)
            self._check_pixels(self._image.size)
            frame = ImageOps.exif_transpose(self._image) or self._image
            return np.asarray(to_8_bits(frame).convert("RGB"))
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise DocumentError(f"Page {index + 1} of the {self.kind.upper()} file is corrupt: {exc}") from exc

    def text_layer(self, index: int) -> PageResult | None:
        return None

    def text_layer_rejection(self, index: int) -> str | None:
        return None

    def text_layer_pictures(self, index: int) -> list[list[float]]:
        return []

    def draws_text(self, index: int) -> bool:
        return False

    def close(self) -> None:
        self._image.close()


# MuPDF draws around broken image data instead of failing; these warnings mean the page's
# picture (for a scan: the whole page) is corrupt.
_CORRUPT_IMAGE_WARNINGS = (
    "truncated image",
    "unknown filter",
    "unknown colorspace",
    "unsupported combination",
    "jpeg error",
    "jbig2",
    "openjpeg",
    "zlib",
    "ccitt",
)


# A decoder's own warnings ("openjpeg warning: Non conformant codestream ...") about data it
# decodes anyway: the picture is drawn whole.
_DECODER_WARNING = re.compile(r"\b(openjpeg|jbig2dec|libjpeg) warning\b", re.IGNORECASE)


def corrupt_image_warnings(warnings_text: str) -> list[str]:
    """MuPDF's warnings (one a line) that say a picture's data is corrupt."""
    return [
        line
        for line in warnings_text.splitlines()
        if any(key in line.lower() for key in _CORRUPT_IMAGE_WARNINGS) and not _DECODER_WARNING.search(line)
    ]


class PdfDocument:
    """A PDF; pages are rendered with PyMuPDF at a fixed resolution."""

    kind = "pdf"

    def __init__(self, data: bytes, limits: Limits) -> None:
        self._limits = limits
        with MUPDF_LOCK:
            try:
                self._pdf = pymupdf.open(stream=memoryview(data), filetype="pdf")  # no copy of a bytearray
                self.page_count = self._pdf.page_count  # a broken page tree fails here
            except (pymupdf.FileDataError, *MUPDF_ERRORS) as exc:
                raise DocumentError(f"The PDF is corrupt or unreadable: {exc}") from exc
            if self._pdf.needs_pass:
                raise DocumentError("The PDF is encrypted with a password.")
        if self.page_count == 0:
            raise DocumentError("The PDF has no pages.")
        self._text_layers = TextLayerReader(self._pdf)

    def render(self, index: int) -> np.ndarray:
        with MUPDF_LOCK:
            try:
                page = self._pdf[index]
            except MUPDF_ERRORS as exc:  # a page the page tree cannot give (a cycle in it)
                raise DocumentError(f"Page {index + 1} of the PDF cannot be read: {exc}") from exc
            zoom = self._limits.pdf_dpi / 72
            width, height = page.rect.width * zoom, page.rect.height * zoom
            if width * height > self._limits.max_page_pixels:
                raise DocumentError(
                    f"Page {index + 1} is too large to render at {self._limits.pdf_dpi} dpi "
                    f"({int(width)}x{int(height)} pixels)."
                )
            # Decoded images are cached (the text-layer check may have decoded this one): empty
            # the cache so that the warnings of decoding it are seen here.
            pymupdf.TOOLS.store_shrink(100)
            pymupdf.TOOLS.reset_mupdf_warnings()
            try:
                pixmap = page.get_pixmap(dpi=self._limits.pdf_dpi, alpha=False, colorspace=pymupdf.csRGB)
            except MUPDF_ERRORS as exc:
                raise DocumentError(f"Page {index + 1} of the PDF cannot be rendered: {exc}") from exc
            warnings_text = pymupdf.TOOLS.mupdf_warnings()
        corrupt = corrupt_image_warnings(warnings_text)
        if corrupt:
            raise DocumentError(f"Page {index + 1} of the PDF has corrupt image data ({corrupt[0]}).")
        # One copy, from a view of the pixmap's memory: `samples` copies it to bytes first (10x the time).
        array = np.frombuffer(pixmap.samples_mv, dtype=np.uint8)
        return array.reshape(pixmap.height, pixmap.width, pixmap.n).copy()

    def text_layer(self, index: int) -> PageResult | None:
        with MUPDF_LOCK:
            try:
                return self._text_layers.read(self._pdf[index], self._limits.pdf_dpi / 72)
            except MUPDF_ERRORS:  # an unreadable layer is OCRed like a missing one
                return None

    def text_layer_rejection(self, index: int) -> str | None:
        return self._text_layers.rejections.get(index)

    def text_layer_pictures(self, index: int) -> list[list[float]]:
        return self._text_layers.pictures.get(index, [])

    def draws_text(self, index: int) -> bool:
        with MUPDF_LOCK:
            try:
                return has_fonts(self._pdf, index)
            except MUPDF_ERRORS:  # a page MuPDF cannot read is OCRed, and fails there with its message
                return False

    def close(self) -> None:
        with MUPDF_LOCK:
            self._pdf.close()


def open_document(data: bytes, limits: Limits) -> Document:
    """Open an upload as a document, or raise `DocumentError` saying why it can't be read."""
    if not data:
        raise DocumentError("The file is empty.")
    kind = sniff_type(data[:1024])
    if kind is None:
        raise DocumentError(f"Unsupported file type. Send one of: {SUPPORTED_TYPES}.")
    return PdfDocument(data, limits) if kind == "pdf" else ImageDocument(data, kind, limits)
