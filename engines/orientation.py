"""Page orientation: turn a page only when the turned reading is clearly better than the upright one.

OSD alone turns upright receipts, tables and sparse pages (it guesses from few characters), so its
answer only proposes a turn: the page is read both ways and the turned reading must hold clearly more
confidently read characters than the upright one.
"""

from collections.abc import Callable

import numpy as np

from engines.tesseract_cpu import Orientation
from engines.types import PageResult, mean_confidence

# OSD's orientation confidence from which its proposed turn is tried.
MIN_ORIENTATION_CONFIDENCE = 1.5
# Signs that the upright reading is of a turned page: nothing read, mostly tall boxes, low confidence.
TALL_BOX_RATIO = 1.5
ROTATED_MEAN_CONFIDENCE = 0.8
# A line read with this confidence or more counts towards a reading's score.
CONFIDENT_LINE = 0.8
# The turned reading must score this much times the upright one, plus a few characters.
TURN_MARGIN = 1.5
TURN_MIN_GAIN = 10
# When the upright reading looks turned (tall boxes), the turned one need only be nearly as good.
SIDEWAYS_MARGIN = 0.9


def rotate_clockwise(image: np.ndarray, degrees: int) -> np.ndarray:
    if not degrees:
        return image
    return np.ascontiguousarray(np.rot90(image, k=-(degrees // 90) % 4))


def read_upright(
    image: np.ndarray,
    read: Callable[[np.ndarray], PageResult],
    orientation: Orientation | None = None,
    detect: Callable[[np.ndarray], Orientation | None] | None = None,
) -> PageResult:
    """`read` of the page, turned by OSD's proposal when that reading is clearly the better one.
    `orientation`: OSD's answer when the caller has it; else `detect` asks OSD, only when the upright
    reading looks like a turned page's."""
    page = read(image)
    looks_rotated = _looks_rotated(page)
    if orientation is None and detect is not None and looks_rotated:
        orientation = detect(image)
    degrees = _proposed_turn(orientation)
    if not degrees:
        return page
    turned = read(rotate_clockwise(image, degrees))
    margin, gain = (SIDEWAYS_MARGIN, 0) if looks_rotated else (TURN_MARGIN, TURN_MIN_GAIN)
    if confident_chars(turned) < margin * confident_chars(page) + gain:
        return page
    turned.rotation = degrees
    return turned


def confident_chars(page: PageResult) -> float:
    """Characters read with confidence, weighted by it: what a reading of the right way up has more of."""
    return sum(
        len(block.text.replace(" ", "")) * block.confidence
        for block in page.blocks
        if block.confidence >= CONFIDENT_LINE
    )


def _proposed_turn(orientation: Orientation | None) -> int:
    if orientation is None or orientation.orientation_confidence < MIN_ORIENTATION_CONFIDENCE:
        return 0
    return orientation.rotate_clockwise


def _looks_rotated(page: PageResult) -> bool:
    read = [block for block in page.blocks if block.text.strip()]
    if not read:
        return True
    tall = sum((b.bbox[3] - b.bbox[1]) > TALL_BOX_RATIO * (b.bbox[2] - b.bbox[0]) for b in read)
    return tall > len(read) / 2 or mean_confidence(read) < ROTATED_MEAN_CONFIDENCE
