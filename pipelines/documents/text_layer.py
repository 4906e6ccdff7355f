"""Born-digital PDF pages: use their own text layer when it is sound, instead of OCR.

A layer is not sound when it is missing or nearly empty on a page that is mostly image (a
scan), or when its characters cannot be trusted: replacement and private-use characters,
text drawn with composite (CID) or Type3 fonts that carry no ToUnicode map, whose Unicode
values are guesses (the `skipped_*.pdf` test files are like that), or text the language
identifier places in no language (a bad OCR layer, a broken font mapping). The reader keeps
the reason a layer was not used, which the page's record reports.
"""

import re
from functools import cache

import pymupdf

from engines import language_id
from engines.scripts import detected_language
from engines.types import Block, PageResult

# Shares of a page's characters above which the layer is not trusted.
MAX_BAD_CHAR_SHARE = 0.02
MAX_UNMAPPED_FONT_SHARE = 0.02
# A page with fewer characters than this and mostly covered by images is a scan.
SCAN_TEXT_CHARS = 100
SCAN_IMAGE_COVER = 0.5
# A picture is OCRed (its text merged into the layer's) when it covers at least this share of the
# page, is at least this many points wide and high, holds no more than this many of the layer's
# words, and is not the page's background (a scan under its OCR layer).
PICTURE_MIN_COVER = 0.02
PICTURE_MIN_POINTS = (40, 15)
PICTURE_MAX_WORDS = 3
PICTURE_MAX_COVER = 0.8
# A layer's language is judged on its first LANGUAGE_WORDS words; one of IDENTIFIED_CHARS characters
# (spaces aside) or more must be text of some language.
LANGUAGE_WORDS = 120
IDENTIFIED_CHARS = 100


# Words as PyMuPDF splits them, except that a glyph with no Unicode value comes out as U+FFFD
# instead of its font's code (which MuPDF then often takes for a space): a bullet drawn from a
# symbol font becomes a word of its own that we can keep.
_WORD_FLAGS = pymupdf.TEXTFLAGS_WORDS & ~pymupdf.TEXT_CID_FOR_UNKNOWN_UNICODE
# On a page with a picture of at least this many pixels, the pictures' places come from the same
# extraction as the words (image blocks), cheaper than `get_image_info` (docs/capacity.md). Other
# pages (no picture in their resources, the cheap question) skip it.
_PICTURE_MIN_PIXELS = 20_000
_IMAGE_BLOCK = 1
# What a line's first word that is one such glyph is written as.
BULLET = "•"

# An indirect reference in a PDF dictionary ("12 0 R").
_REFERENCE = re.compile(r"(\d+) 0 R")
# Any indirect reference, with its generation number.
_ANY_REFERENCE = re.compile(r"(\d+) (\d+) R")
# Replacement, private-use, control and surrogate characters: what a broken layer yields.
_BAD_CHARS = re.compile("[\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class TextLayerReader:
    """Reads sound text layers from the pages of one PDF; remembers what it learnt of its fonts."""

    def __init__(self, pdf: pymupdf.Document) -> None:
        self._pdf = pdf
        self._font_mapped: dict[int, bool] = {}
        self._unmapped_names: dict[int, str] = {}  # font xref -> its name if unmapped, else ""
        self._xobject_pixels: dict[int, int | None] = {}  # XObject xref -> an image's pixels, None for a form
        self.rejections: dict[int, str] = {}  # page number -> why its layer was not used
        self.pictures: dict[int, list[list[float]]] = {}  # page number -> boxes (pixels) of its pictures to OCR

    def read(self, page: pymupdf.Page, scale: float) -> PageResult | None:
        """The page's text lines in pixels (`scale` pixels per point), or None to OCR the page."""
        textpage = None
        xobject_pixels = self._own_xobject_pixels(page)
        if _shows_picture(page, xobject_pixels):
            textpage = page.get_textpage(flags=_WORD_FLAGS | pymupdf.TEXT_PRESERVE_IMAGES)
            words = textpage.extractWORDS()
        else:
            words = page.get_text("words", flags=_WORD_FLAGS)
        chars = "".join(word[4] for word in words if word[7] or word[4] != "\ufffd")
        if not chars:
            return None
        language = language_id.language_of(" ".join(word[4] for word in words[:LANGUAGE_WORDS]))
        if rejection := self._rejection(page, chars, language, plain_resources=xobject_pixels is not None):
            self.rejections[page.number] = rejection
            return None
        pixels = (page.rect * pymupdf.Matrix(scale, scale)).irect  # as the page's rendering would be
        # Word boxes ignore /Rotate; the rendering (and so every box we return) does not.
        to_pixels = tuple(page.rotation_matrix * pymupdf.Matrix(scale, scale)) if page.rotation else _scaling(scale)
        blocks = _lines(words, to_pixels)
        if textpage is not None and (pictures := _textless_pictures(page, textpage, words)):
            self.pictures[page.number] = [_mapped(list(box), to_pixels) for box in pictures]
        language = language or detected_language(blocks)
        return PageResult(width=pixels.width, height=pixels.height, blocks=blocks, language=language)

    def _rejection(self, page: pymupdf.Page, chars: str, language: str | None, plain_resources: bool) -> str | None:
        """Why the layer is not sound, or None when it is. `plain_resources`: the page has resources of
        its own and no forms among them (`_own_xobject_pixels`)."""
        if len(_BAD_CHARS.findall(chars)) > MAX_BAD_CHAR_SHARE * len(chars):
            return "replacement, private-use or control characters"
        if len(chars) < SCAN_TEXT_CHARS and _image_cover(page) > SCAN_IMAGE_COVER:
            return "a scan: little text over a page-size image"
        unmapped = self._unmapped_fonts(page, plain_resources)
        if unmapped and _share_in_fonts(page, unmapped) > MAX_UNMAPPED_FONT_SHARE:
            return "fonts without a Unicode map"
        if len(chars) >= IDENTIFIED_CHARS and language is None:
            return "text in no language the identifier knows"
        return None

    def _unmapped_fonts(self, page: pymupdf.Page, plain_resources: bool) -> set[str]:
        """The names of the page's fonts without known Unicode values. Read from the page's own font
        dictionary, each font once per document (`get_fonts` scans the page's resources every time);
        a page with form objects (which may hold fonts of their own) or inherited resources is asked
        that slower way."""
        kind, fonts = self._resource(page, "Font")
        if kind != "dict" or not plain_resources:
            return {font[3].split("+")[-1] for font in page.get_fonts() if not self._is_mapped(font)}
        return {name for xref in _REFERENCE.findall(fonts) if (name := self._unmapped_name(int(xref)))}

    def _resource(self, page: pymupdf.Page, name: str) -> tuple[str, str]:
        """The kind ("dict", "null"...) and text of the page's own resource dictionary `name`."""
        kind, value = self._pdf.xref_get_key(page.xref, f"Resources/{name}")
        if kind == "xref":
            return "dict", self._pdf.xref_object(int(value.split()[0]), compressed=True)
        return kind, value

    def _own_xobject_pixels(self, page: pymupdf.Page) -> list[int] | None:
        """The pixels of each picture among the page's own XObjects, each XObject read once per
        document; None when the page has a form (which may hold fonts and pictures of its own) or
        inherits its resources."""
        kind, xobjects = self._resource(page, "XObject")
        if kind == "null":
            return [] if self._pdf.xref_get_key(page.xref, "Resources")[0] in ("dict", "xref") else None
        references = _ANY_REFERENCE.findall(xobjects)
        if kind != "dict" or any(generation != "0" for _, generation in references):
            return None
        pixels = [self._image_pixels(int(xref)) for xref, _ in references]
        return None if None in pixels else pixels  # type: ignore[return-value]

    def _image_pixels(self, xref: int) -> int | None:
        """An image XObject's width times height; None for a form, or an image of unstated size."""
        if xref not in self._xobject_pixels:
            width, height = (self._pdf.xref_get_key(xref, key)[1] for key in ("Width", "Height"))
            is_image = self._pdf.xref_get_key(xref, "Subtype")[1] == "/Image"
            sized = is_image and width.isdigit() and height.isdigit()
            self._xobject_pixels[xref] = int(width) * int(height) if sized else None
        return self._xobject_pixels[xref]

    def _unmapped_name(self, xref: int) -> str:
        """The font's base name when its Unicode values are unknown, else ""."""
        if xref not in self._unmapped_names:
            font_type = self._pdf.xref_get_key(xref, "Subtype")[1].lstrip("/")
            name = self._pdf.xref_get_key(xref, "BaseFont")[1].lstrip("/").split("+")[-1]
            self._unmapped_names[xref] = "" if self._is_mapped((xref, "", font_type)) else name
        return self._unmapped_names[xref]

    def _is_mapped(self, font: tuple) -> bool:
        """Whether a font's text has known Unicode values: a ToUnicode map, or a simple font."""
        xref, font_type = font[0], font[2]
        if xref not in self._font_mapped:
            has_map = self._pdf.xref_get_key(xref, "ToUnicode")[0] != "null"
            self._font_mapped[xref] = has_map or font_type not in ("Type0", "Type3")
        return self._font_mapped[xref]


@cache
def _scaling(scale: float) -> tuple[float, ...]:
    """The matrix of an unturned page, computed as for a turned one (MuPDF's product rounds the scale
    to single precision), once: it took 15 us a page."""
    return tuple(pymupdf.Identity * pymupdf.Matrix(scale, scale))


def _shows_picture(page: pymupdf.Page, xobject_pixels: list[int] | None) -> bool:
    """Whether the page shows a picture of at least `_PICTURE_MIN_PIXELS`: from its XObjects' pixels
    where `_own_xobject_pixels` read them, else from `get_images`."""
    if xobject_pixels is None:
        return any(image[2] * image[3] >= _PICTURE_MIN_PIXELS for image in page.get_images())
    return any(pixels >= _PICTURE_MIN_PIXELS for pixels in xobject_pixels)


def _image_cover(page: pymupdf.Page) -> float:
    page_area = abs(page.rect) or 1.0
    return sum(abs(pymupdf.Rect(info["bbox"]) & page.rect) for info in page.get_image_info()) / page_area


def _textless_pictures(page: pymupdf.Page, textpage: pymupdf.TextPage, words: list[tuple]) -> list[pymupdf.Rect]:
    """The page's pictures that may hold text the layer lacks (see PICTURE_*), in points."""
    page_area = abs(page.rect) or 1.0
    found = []
    for block in textpage.extractBLOCKS():
        if block[6] != _IMAGE_BLOCK:
            continue
        box = pymupdf.Rect(block[:4]) & page.rect
        if not PICTURE_MIN_COVER <= abs(box) / page_area <= PICTURE_MAX_COVER:
            continue
        if box.width < PICTURE_MIN_POINTS[0] or box.height < PICTURE_MIN_POINTS[1]:
            continue
        x0, y0, x1, y1 = box
        inside = sum(1 for w in words if x0 <= (w[0] + w[2]) / 2 <= x1 and y0 <= (w[1] + w[3]) / 2 <= y1)
        if inside <= PICTURE_MAX_WORDS and not any(box == other for other in found):
            found.append(box)
    return found


def _share_in_fonts(page: pymupdf.Page, fonts: set[str]) -> float:
    """The share of the page's non-space characters drawn with one of `fonts`."""
    total = in_fonts = 0
    # Text flags only: the default also extracts every image's pixels, 10-60x the time on a page with pictures.
    for block in page.get_text("dict", flags=pymupdf.TEXTFLAGS_TEXT)["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                count = len("".join(span["text"].split()))
                total += count
                # Span font names are the base name without the subset tag, sometimes cut short.
                if any(name.startswith(span["font"]) for name in fonts):
                    in_fonts += count
    return in_fonts / total if total else 0.0


def _lines(words: list[tuple], to_pixels: tuple[float, ...]) -> list[Block]:
    """Words grouped into the layer's own lines (in its order, with its paragraphs), boxes
    mapped to the rendered page's pixels, confidence 1.0. A word of PyMuPDF's `words` output is
    (x0, y0, x1, y1, text, block, line, word number); a line's words are consecutive in it.
    One pass with plain comparisons: half the time of grouping and unzipping each line."""
    lines: list[Block] = []
    line_key = None
    texts: list[str] = []
    left = top = right = bottom = 0.0
    for x0, y0, x1, y1, text, paragraph, line, _ in words:
        if (paragraph, line) == line_key:
            texts.append(text)
            left, top = (x0 if x0 < left else left), (y0 if y0 < top else top)
            right, bottom = (x1 if x1 > right else right), (y1 if y1 > bottom else bottom)
            continue
        if line_key is not None:
            lines.append(_line(texts, [left, top, right, bottom], to_pixels, line_key[0]))
        line_key, texts, left, top, right, bottom = (paragraph, line), [text], x0, y0, x1, y1
    if line_key is not None:
        lines.append(_line(texts, [left, top, right, bottom], to_pixels, line_key[0]))
    return _bullets_joined(lines) if any(line.text == BULLET for line in lines) else lines


def _bullets_joined(lines: list[Block]) -> list[Block]:
    """A bullet that the layer keeps as a line of its own joined to the line it stands before."""
    joined: list[Block] = []
    for line in lines:
        bullet = joined[-1] if joined and joined[-1].text == BULLET else None
        if (
            bullet is not None
            and line.bbox[0] >= bullet.bbox[2]
            and line.bbox[1] < bullet.bbox[3]
            and bullet.bbox[1] < line.bbox[3]
        ):
            box = [bullet.bbox[0], min(bullet.bbox[1], line.bbox[1]), line.bbox[2], max(bullet.bbox[3], line.bbox[3])]
            joined[-1] = Block(f"{BULLET} {line.text}", box, 1.0, paragraph=line.paragraph)
        else:
            joined.append(line)
    return joined


def _line(texts: list[str], box: list[float], to_pixels: tuple[float, ...], paragraph: int) -> Block:
    if texts[0] == "\ufffd":
        texts[0] = BULLET
    return Block(text=" ".join(texts), bbox=_mapped(box, to_pixels), confidence=1.0, paragraph=paragraph)


def _mapped(box: list[float], matrix: tuple[float, ...]) -> list[float]:
    """The box through a matrix (a, b, c, d, e, f) that scales and turns by a multiple of 90
    degrees (plain float arithmetic: a Rect per line costs more than the rest of the page's reading)."""
    a, b, c, d, e, f = matrix
    x0, y0, x1, y1 = box
    xs = (a * x0 + c * y0 + e, a * x1 + c * y1 + e)
    ys = (b * x0 + d * y0 + f, b * x1 + d * y1 + f)
    return [min(xs), min(ys), max(xs), max(ys)]
