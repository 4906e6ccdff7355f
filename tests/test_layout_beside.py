"""A reader on one thread lays the page out on a thread of its own while its lines are read."""

import threading
import time

import numpy as np
import pytest

from engines.page_reader import CpuPageReader
from engines.types import Block, PageResult, Region


class SlowRouter:
    def __init__(self, rotation: int = 0, fail: bool = False) -> None:
        self.rotation, self.fail = rotation, fail
        self.running: tuple[float, float] | None = None

    def recognize(self, image: np.ndarray, language: str) -> PageResult:
        start = time.monotonic()
        time.sleep(0.3)
        self.running = (start, time.monotonic())
        if self.fail:
            raise RuntimeError("router failed")
        block = Block(text="line", bbox=[0, 0, 10, 10], confidence=0.9)
        return PageResult(width=image.shape[1], height=image.shape[0], blocks=[block], rotation=self.rotation)


class RecordingLayout:
    """One region as wide and high as the image it was given, after 0.3 s."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[int, ...], str, float, float]] = []

    def regions(self, image: np.ndarray) -> list[Region]:
        start = time.monotonic()
        time.sleep(0.3)
        self.calls.append((image.shape, threading.current_thread().name, start, time.monotonic()))
        return [Region(type="text", bbox=[0, 0, image.shape[1], image.shape[0]], confidence=0.9)]


PAGE = np.zeros((200, 100, 3), dtype=np.uint8)


def test_the_layout_is_read_at_the_same_time_as_the_lines():
    router, layout = SlowRouter(), RecordingLayout()
    page = CpuPageReader(router, layout, tables=None, layout_beside=True).recognize(PAGE, "en")
    assert [region.bbox for region in page.regions] == [[0, 0, 100, 200]]
    [(shape, thread, start, end)] = layout.calls
    assert thread.startswith("ocr-layout")
    assert start < router.running[1] and router.running[0] < end


def test_a_turned_page_is_laid_out_again_upright():
    layout = RecordingLayout()
    page = CpuPageReader(SlowRouter(rotation=90), layout, tables=None, layout_beside=True).recognize(PAGE, "en")
    assert [call[0] for call in layout.calls] == [(200, 100, 3), (100, 200, 3)]
    assert [region.bbox for region in page.regions] == [[0, 0, 200, 100]]


def test_a_failed_reading_leaves_no_layout_running():
    layout = RecordingLayout()
    with pytest.raises(RuntimeError, match="router failed"):
        CpuPageReader(SlowRouter(fail=True), layout, tables=None, layout_beside=True).recognize(PAGE, "en")
    assert len(layout.calls) == 1  # it ended before the page failed


def test_without_layout_beside_the_layout_follows_the_lines_on_the_same_thread():
    router, layout = SlowRouter(), RecordingLayout()
    CpuPageReader(router, layout, tables=None).recognize(PAGE, "en")
    [(shape, thread, start, end)] = layout.calls
    assert thread == threading.current_thread().name and start >= router.running[1]
