"""Fonts for the invisible text layer of a searchable PDF: for each character, a font with a glyph for it.

Noto fonts (Debian `fonts-noto-core`) cover the scripts that the service reads. CJK text uses the
Droid Sans Fallback font built into PyMuPDF: the Noto CJK fonts (`fonts-noto-cjk`) are CFF-based, which
MuPDF cannot subset, so a PDF would carry the whole 14 MB font for one line of Chinese. All the fonts
used here are TrueType, which `pymupdf.Document.subset_fonts` cuts down to the glyphs a PDF uses.

Glyph shapes don't matter (the text is invisible); what matters is that every character has a glyph,
so that it is written with a code that text extraction maps back to the character.

PyMuPDF is not thread safe: call these functions with `engines.document_files.MUPDF_LOCK` held.
"""

import functools
import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pymupdf

log = logging.getLogger(__name__)

NOTO_DIR = Path("/usr/share/fonts/truetype/noto")
# Tried first, in this order: Latin, Greek and Cyrillic, then the other scripts the OCR models read.
PREFERRED_NOTO = (
    "NotoSans-Regular.ttf",
    "NotoSansArabic-Regular.ttf",
    "NotoSansHebrew-Regular.ttf",
    "NotoSansDevanagari-Regular.ttf",
    "NotoSansBengali-Regular.ttf",
    "NotoSansGurmukhi-Regular.ttf",
    "NotoSansGujarati-Regular.ttf",
    "NotoSansOriya-Regular.ttf",
    "NotoSansTamil-Regular.ttf",
    "NotoSansTelugu-Regular.ttf",
    "NotoSansKannada-Regular.ttf",
    "NotoSansMalayalam-Regular.ttf",
    "NotoSansSinhala-Regular.ttf",
    "NotoSansThai-Regular.ttf",
    "NotoSansLao-Regular.ttf",
    "NotoSansKhmer-Regular.ttf",
    "NotoSansMyanmar-Regular.ttf",
    "NotoSansGeorgian-Regular.ttf",
    "NotoSansArmenian-Regular.ttf",
    "NotoSansEthiopic-Regular.ttf",
)
# PyMuPDF's built-in fonts, after the preferred Noto fonts: CJK (Droid Sans Fallback, which also has
# Latin, Greek and Cyrillic: all there is when no Noto font is installed), then Helvetica.
BUILTIN_FONTS = ("cjk", "helv")
# Other Noto fonts, scanned only for characters that none of the above has.
OTHER_NOTO_GLOB = "*-Regular.ttf"
RIGHT_TO_LEFT_CLASSES = frozenset({"R", "AL"})  # Unicode bidirectional classes of Hebrew, Arabic...


@dataclass(frozen=True)
class Run:
    """Consecutive characters of a line written with one font, in logical order."""

    font: pymupdf.Font
    text: str
    right_to_left: bool


def runs(text: str) -> list[Run]:
    """`text` cut into runs of one font each. A character stays in the current run when the run's
    font has it (spaces, digits, punctuation), so a line is cut only where it must be. Characters
    that no font has are left out: they could not be extracted back."""
    pieces: list[tuple[pymupdf.Font, list[str]]] = []
    for char in text:
        if pieces and pieces[-1][0].has_glyph(ord(char)):
            pieces[-1][1].append(char)
        elif (font := font_for(char)) is not None:
            pieces.append((font, [char]))
    return [Run(font, "".join(chars), has_right_to_left(chars)) for font, chars in pieces]


def width(run: Run) -> float:
    """The run's width at font size 1."""
    return sum(_advance(run.font, char) for char in run.text)


@functools.cache
def _advance(font: pymupdf.Font, char: str) -> float:
    return font.glyph_advance(ord(char))


def has_right_to_left(chars: str | list[str]) -> bool:
    return any(unicodedata.bidirectional(char) in RIGHT_TO_LEFT_CLASSES for char in chars)


def is_right_to_left(text: str) -> bool:
    """Whether a line reads right to left: its first strongly directional character does."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in RIGHT_TO_LEFT_CLASSES:
            return True
        if direction == "L":
            return False
    return False


@functools.cache
def font_for(char: str) -> pymupdf.Font | None:
    """The first font that has a glyph for `char`: a preferred one, else any other Noto font."""
    code = ord(char)
    for font in _preferred_fonts():
        if font.has_glyph(code):
            return font
    path = _other_noto_coverage().get(code)
    return _noto_font(path) if path else None


@functools.cache
def _preferred_fonts() -> list[pymupdf.Font]:
    fonts = [_noto_font(NOTO_DIR / name) for name in PREFERRED_NOTO if (NOTO_DIR / name).is_file()]
    if not fonts:
        log.warning(
            "No Noto fonts in %s (Debian package fonts-noto-core): searchable PDFs use PyMuPDF's built-in "
            "fonts, which lack Arabic, Hebrew, Indic, Thai and other scripts.",
            NOTO_DIR,
        )
    return fonts + [pymupdf.Font(name) for name in BUILTIN_FONTS]


@functools.cache
def _noto_font(path: Path) -> pymupdf.Font:
    return pymupdf.Font(fontfile=str(path))


@functools.cache
def _other_noto_coverage() -> dict[int, Path]:
    """Code point -> the first other Noto font (by file name) that has it. Built once, on the first
    character that the preferred fonts lack; the fonts themselves are loaded only when used."""
    preferred = set(PREFERRED_NOTO)
    coverage: dict[int, Path] = {}
    for path in sorted(NOTO_DIR.glob(OTHER_NOTO_GLOB)):
        if path.name not in preferred:
            for code in pymupdf.Font(fontfile=str(path)).valid_codepoints():
                coverage.setdefault(code, path)
    return coverage


def clear_caches() -> None:
    """Forget the fonts found (for tests that change `NOTO_DIR`)."""
    for cached in (font_for, _advance, _preferred_fonts, _noto_font, _other_noto_coverage):
        cached.cache_clear()
