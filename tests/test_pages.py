"""The page loop around the engine: text layer or OCR, order, pages in flight, retries, stop.

The OCR calls here are stand-ins that echo the page number, because what is tested is the
loop around the engine (the engine itself is exercised in the API tests)."""

import pickle

import numpy as np
import pytest
from ray.serve.handle import DeploymentHandle

from engines.types import Block, PageResult
from pipelines.documents.document import DocumentError, Limits
from pipelines.execution.blocks import BlockSizes, DocumentPages, job_blocks, plan_blocks, probe_document
from pipelines.execution.page_dataset import process_handle, start_block_workers
from pipelines.execution.page_loop import PageOptions, page_record_batches, process_pages
from pipelines.jobs.page_selection import PageSelectionError
from tests.documents import born_digital_pdf, scanned_pdf


class Pages:
    """Page i is an image filled with i; pages in `with_layer` have a text layer, `corrupt` can't render."""

    kind = "pdf"

    def __init__(self, page_count: int, with_layer=(), corrupt=()) -> None:
        self.page_count = page_count
        self.with_layer, self.corrupt = set(with_layer), set(corrupt)
        self.renders: list[int] = []

    def render(self, index: int) -> np.ndarray:
        self.renders.append(index)
        if index in self.corrupt:
            raise DocumentError(f"Page {index + 1} is corrupt.")
        return np.full((4, 4, 3), index, dtype=np.uint8)

    def text_layer(self, index: int) -> PageResult | None:
        if index not in self.with_layer:
            return None
        return PageResult(4, 4, [Block(f"layer {index}", [0, 0, 2, 2], 1.0)])

    def text_layer_rejection(self, index: int) -> str | None:
        return None

    def text_layer_pictures(self, index: int) -> list[list[float]]:
        return []

    def close(self) -> None:
        pass


class Call:
    def __init__(self, engine: "Engine", page: int) -> None:
        self.engine, self.page, self.cancelled = engine, page, False

    def result(self) -> PageResult:
        self.engine.in_flight -= 1
        if self.engine.failures.get(self.page, 0) > 0:
            self.engine.failures[self.page] -= 1
            raise RuntimeError(f"engine error on page {self.page}")
        return PageResult(4, 4, [Block(f"ocr {self.page}", [0, 0, 2, 2], 0.9)])

    def cancel(self) -> None:
        self.cancelled = True


class Engine:
    def __init__(self, failures: dict[int, int] | None = None) -> None:
        self.failures = dict(failures or {})
        self.calls: list[Call] = []
        self.in_flight = self.peak = 0

    def submit(self, image: np.ndarray, language: str) -> Call:
        assert language == "auto"
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        self.calls.append(Call(self, int(image[0, 0, 0])))
        return self.calls[-1]


def test_text_layer_pages_skip_ocr_and_pages_stay_in_order():
    engine = Engine()
    records = list(process_pages(Pages(6, with_layer={1, 2, 5}), list(range(6)), engine.submit, PageOptions()))
    assert [r["text"] for r in records] == ["ocr 0", "layer 1", "layer 2", "ocr 3", "ocr 4", "layer 5"]
    assert [r["source"] for r in records] == ["ocr", "text_layer", "text_layer", "ocr", "ocr", "text_layer"]
    assert [call.page for call in engine.calls] == [0, 3, 4]


def test_force_ocr_ignores_the_text_layer():
    engine = Engine()
    records = list(process_pages(Pages(3, with_layer={0, 1, 2}), [0, 1, 2], engine.submit, PageOptions(force_ocr=True)))
    assert [r["text"] for r in records] == ["ocr 0", "ocr 1", "ocr 2"]


def test_at_most_window_pages_are_in_flight():
    engine = Engine()
    records = list(process_pages(Pages(40), list(range(40)), engine.submit, PageOptions(window=3)))
    assert len(records) == 40
    assert engine.peak == 3


def test_a_failing_call_is_retried_then_the_page_alone_fails():
    engine = Engine(failures={1: 1, 2: 5})  # page 1 fails once, page 2 every time
    records = list(process_pages(Pages(4), [0, 1, 2, 3], engine.submit, PageOptions(retries=2)))
    assert [r["text"] for r in records] == ["ocr 0", "ocr 1", "", "ocr 3"]
    assert "engine error on page 2" in records[2]["error"]
    assert [call.page for call in engine.calls].count(2) == 3  # the first try and two retries


def test_a_page_that_cannot_render_fails_alone():
    document = Pages(3, corrupt={1})
    records = list(process_pages(document, [0, 1, 2], Engine().submit, PageOptions(retries=1)))
    assert records[1]["error"] == "Page 2 is corrupt." and records[1]["blocks"] == []
    assert [r["text"] for r in records] == ["ocr 0", "", "ocr 2"]
    assert document.renders.count(1) == 2


def test_only_the_selected_pages_are_processed():
    engine = Engine()
    records = list(process_pages(Pages(10), [0, 1, 2, 6], engine.submit, PageOptions()))
    assert [r["index"] for r in records] == [0, 1, 2, 6]


def test_a_stop_between_pages_starts_no_more_pages_and_cancels_those_in_flight():
    engine = Engine()
    started = []

    def keep_going() -> bool:
        started.append(len(started))
        return len(started) <= 5

    records = list(process_pages(Pages(50), list(range(50)), engine.submit, PageOptions(window=2), keep_going))
    assert len(engine.calls) == 5
    assert len(records) == 4
    assert engine.calls[-1].cancelled


def test_blocks_are_small_for_pages_to_ocr_and_large_for_text_layer_pages():
    kinds = [False] * 5 + [True] * 7 + [False] * 2
    blocks = plan_blocks(list(range(14)), kinds, BlockSizes(ocr_pages=2, text_layer_pages=4), parallel=1)
    assert blocks == [[0, 1], [2, 3], [4], [5, 6, 7, 8], [9, 10, 11], [12, 13]]


def test_blocks_come_in_whole_rounds_of_equal_size():
    blocks = plan_blocks(list(range(500)), [True] * 500, BlockSizes(ocr_pages=8, text_layer_pages=100), parallel=2)
    assert [len(block) for block in blocks] == [84] * 5 + [80]
    assert [index for block in blocks for index in block] == list(range(500))


def test_the_probe_gives_the_page_count_the_selected_pages_and_which_draw_text():
    limits = Limits(max_page_pixels=100_000_000, pdf_dpi=200)
    born, scan = born_digital_pdf(4, lines=3), scanned_pdf(["phototest.tif"])
    assert probe_document(born, limits, "2-3") == DocumentPages(4, [1, 2], [True, True])
    assert probe_document(scan, limits, None) == DocumentPages(1, [0], [False])
    assert probe_document(born, limits, None, max_pages=3) == DocumentPages(4, [0, 1, 2, 3], [])  # refused
    with pytest.raises(PageSelectionError):
        probe_document(born, limits, "5")
    with pytest.raises(DocumentError):
        probe_document(b"%PDF-1.4 not a PDF", limits, None)


def test_a_job_its_caller_waits_for_is_one_block_of_both_kinds():
    pages = DocumentPages(6, list(range(6)), [True, False, True, True, False, False])
    sizes = BlockSizes(ocr_pages=2, text_layer_pages=4)
    assert job_blocks(pages, False, sizes, parallel=2, one_block_up_to=6) == [list(range(6))]
    assert len(job_blocks(pages, False, sizes, parallel=2, one_block_up_to=5)) > 1
    forced = DocumentPages(12, list(range(12)), [True] * 12)
    assert job_blocks(forced, True, sizes, parallel=1, one_block_up_to=5) == plan_blocks(
        list(range(12)), [False] * 12, sizes, parallel=1
    )


def test_text_layer_pages_are_handed_over_together_and_never_wait_on_an_ocr_call():
    batches = page_record_batches(Pages(6, with_layer={0, 1, 2, 4}), list(range(6)), Engine().submit, PageOptions())
    assert [[record["index"] for record in batch] for batch in batches] == [[0, 1, 2], [3], [4], [5]]


def test_a_batch_holds_at_most_batch_size_pages():
    document = Pages(70, with_layer=range(70))
    batches = page_record_batches(document, list(range(70)), Engine().submit, PageOptions(), batch_size=32)
    assert [len(batch) for batch in batches] == [32, 32, 6]


def test_each_block_reuses_the_handle_its_process_was_first_given():
    first = DeploymentHandle("CpuOcr", "handles-test")
    again = pickle.loads(pickle.dumps(first))  # as the next block's task receives it
    other = DeploymentHandle("Vlm", "handles-test")
    assert again is not first
    assert process_handle(first) is first
    assert process_handle(again) is first
    assert process_handle(other) is other


@pytest.mark.slow
def test_block_workers_started_ahead_are_distinct_processes(service):
    """Each warm-up task holds its worker until the others have started theirs: a first long job
    then finds as many ready workers as it runs blocks at once."""
    assert start_block_workers(3) == 3


class SamePicturePages(Pages):
    """Text-layer pages that all show one picture (a logo), at the top left; page `other` shows another."""

    def __init__(self, page_count: int, other: int = -1) -> None:
        super().__init__(page_count, with_layer=range(page_count))
        self.other = other

    def render(self, index: int) -> np.ndarray:
        self.renders.append(index)
        return np.full((4, 4, 3), 9 if index == self.other else 7, dtype=np.uint8)

    def text_layer_pictures(self, index: int) -> list[list[float]]:
        return [[0, 0, 2, 2]]


def test_a_picture_seen_on_an_earlier_page_is_read_once_and_its_text_kept_on_every_page():
    engine = Engine()
    records = list(process_pages(SamePicturePages(6, other=4), list(range(6)), engine.submit, PageOptions()))
    # Pages 0 and 1 are in flight together (the window); later pages reuse their reading.
    assert sorted(call.page for call in engine.calls) == [7, 7, 9]
    texts = [record["text"] for record in records]
    assert texts == [f"layer {index} ocr {9 if index == 4 else 7}" for index in range(6)]
    assert all(any(block.get("source") == "ocr" for block in record["blocks"]) for record in records)
