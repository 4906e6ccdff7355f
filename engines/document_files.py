"""Low-level access to uploaded files, shared by the document reader (`pipelines.documents.document`) and
the searchable-PDF writer (`exports.searchable_pdf`): a file's type from its first bytes, wide
image frames as 8 bits, and MuPDF's one lock, its errors and a cheap question about a PDF page.
"""

import threading

import numpy as np
import pymupdf
from PIL import Image

_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"BM", "bmp"),
]
# Pillow modes of more than 8 bits per sample: `convert("RGB")` clips them (a 16-bit scan turns white).
_WIDE_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
# What MuPDF raises for a broken file: RuntimeError, or its own errors (a cycle in the page tree).
MUPDF_ERRORS = (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase)


def sniff_type(head: bytes) -> str | None:
    """The document type from the first bytes, or None when it is not one we read."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def to_8_bits(frame: Image.Image) -> Image.Image:
    """A frame of 16-bit or 32-bit samples as 8-bit grey, scaled from its full range (16-bit) or,
    for 32-bit integers and floats whose range the file does not state, from the range used."""
    if frame.mode not in _WIDE_MODES:
        return frame
    values = np.nan_to_num(np.array(frame, dtype=np.float32), copy=False)
    peak = float(values.max(initial=0))
    if frame.mode.startswith("I;16"):
        full = 65535.0
    elif frame.mode == "F" and peak <= 1:  # fractions of white
        full = 1.0
    else:
        full = 255.0 if peak <= 255 else 65535.0 if peak <= 65535 else peak
    np.clip(values, 0, full, out=values)
    values *= 255 / full
    return Image.fromarray(values.astype(np.uint8), "L")


# PyMuPDF keeps one global context and warning store: one thread at a time uses it.
MUPDF_LOCK = threading.RLock()


def has_fonts(pdf: pymupdf.Document, index: int) -> bool:
    """Whether page `index` has fonts, read from its own /Resources /Font without loading the page
    (`get_page_fonts` costs several times this); a page that inherits its resources
    is asked that way. The caller holds `MUPDF_LOCK`."""
    xref = pdf.page_xref(index)
    kind, fonts = pdf.xref_get_key(xref, "Resources/Font")
    if kind != "null":
        return fonts != "<<>>"
    if pdf.xref_get_key(xref, "Resources")[0] == "null":
        return bool(pdf.get_page_fonts(index))
    return False
