"""Running headers, footers and page numbers found by position and by repetition, where no layout
model marked them.

A line is furniture when it lies in the top or bottom band of the page, is short, and stands
apart from the body: at least a line height of empty space between it and the nearest body line.
On the later pages of a job, a line in a (wider) band whose text, digits aside, was furniture on
an earlier page is furniture too, however close it stands to the body.
"""

import re
from collections.abc import Iterable
from statistics import median

from engines.types import Block

# The bands: this share of the page's height at its top and at its bottom.
_BAND = 0.07
# A furniture line holds at most this many words.
_MAX_WORDS = 15
# The empty space between a furniture line and the body, in body line heights.
_GAP_LINES = 1.0
# The bands where a line repeating an earlier page's furniture is furniture.
_REPEATED_BAND = 0.1
_DIGITS = re.compile(r"\d+")


def furniture_key(text: str) -> str:
    """What running headers and footers share from page to page: their text with numbers as #."""
    return _DIGITS.sub("#", " ".join(text.split())).casefold()


class FurnitureMemory:
    """The keys of the furniture lines of a job's pages so far."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def remember(self, texts: Iterable[str]) -> None:
        self.keys.update(furniture_key(text) for text in texts)


def furniture_kinds(blocks: list[Block], page_height: float, repeated: set[str] | None = None) -> dict[int, str]:
    """Index -> "header" or "footer" of the blocks that are page furniture by position, or that repeat
    one of the `repeated` keys (`furniture_key`) near the page's top or bottom."""
    if page_height <= 0 or len(blocks) < 3:
        return {}
    kinds = _by_position(blocks, page_height)
    if repeated:
        top, bottom = _REPEATED_BAND * page_height, (1 - _REPEATED_BAND) * page_height
        for i, block in enumerate(blocks):
            kind = "header" if block.bbox[3] <= top else "footer" if block.bbox[1] >= bottom else None
            if kind and i not in kinds and furniture_key(block.text) in repeated:
                kinds[i] = kind
    return kinds


def _by_position(blocks: list[Block], page_height: float) -> dict[int, str]:
    top, bottom = _BAND * page_height, (1 - _BAND) * page_height
    short = [len(block.text.split()) <= _MAX_WORDS for block in blocks]
    heads = {i for i, b in enumerate(blocks) if short[i] and b.bbox[3] <= top}
    foots = {i for i, b in enumerate(blocks) if short[i] and b.bbox[1] >= bottom}
    body = [b for i, b in enumerate(blocks) if i not in heads and i not in foots]
    if not body:
        return {}
    gap = _GAP_LINES * median(b.bbox[3] - b.bbox[1] for b in body)
    body_top, body_bottom = min(b.bbox[1] for b in body), max(b.bbox[3] for b in body)
    kinds = {i: "header" for i in heads if body_top - blocks[i].bbox[3] >= gap}
    kinds.update({i: "footer" for i in foots if blocks[i].bbox[1] - body_bottom >= gap})
    return kinds
