"""The page loop around the engine: order, bounded memory, and a corrupt page stopping the job.

The recognizer here is a stand-in that only echoes the page number, because what is tested
is the loop around the engine (the engine itself is exercised in the API tests)."""

import asyncio

import numpy as np
import pytest

from engines.types import Block, PageResult
from pipelines.documents import DocumentError
from pipelines.recognize import recognize_document


class NumberedPages:
    """A document whose page i is an image filled with the value i; page `corrupt` can't render."""

    kind = "tiff"

    def __init__(self, page_count: int, corrupt: int | None = None) -> None:
        self.page_count = page_count
        self.corrupt = corrupt
        self.rendered: list[int] = []

    def render(self, index: int) -> np.ndarray:
        if index == self.corrupt:
            raise DocumentError(f"Page {index + 1} is corrupt.")
        self.rendered.append(index)
        return np.full((10, 10, 3), index, dtype=np.uint8)

    def close(self) -> None:
        pass


def test_pages_come_back_in_order_with_bounded_pages_in_flight():
    in_flight = peak = 0

    async def recognize(image: np.ndarray) -> PageResult:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        page = int(image[0, 0, 0])
        await asyncio.sleep(0.001 * (7 - page % 7))  # finish out of order
        in_flight -= 1
        return PageResult(10, 10, [Block(f"page {page}", [0, 0, 5, 5], 0.9)])

    records = asyncio.run(recognize_document(NumberedPages(30), recognize, in_flight=4))
    assert [r["text"] for r in records] == [f"page {i}" for i in range(30)]
    assert [r["index"] for r in records] == list(range(30))
    assert peak <= 4


def test_a_corrupt_page_raises_and_stops_the_rest():
    document = NumberedPages(50, corrupt=3)

    async def recognize(image: np.ndarray) -> PageResult:
        await asyncio.sleep(0.01)
        return PageResult(10, 10, [])

    with pytest.raises(DocumentError, match="Page 4"):
        asyncio.run(recognize_document(document, recognize, in_flight=2))
    assert len(document.rendered) < 10
