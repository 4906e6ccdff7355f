"""A 1-thread engine reads a page's lines in two recognition runs at once, with the text one run gives."""

import threading
import time

import numpy as np
import pytest
from PIL import Image

from engines import paddle_cpu
from engines.paddle_cpu import PaddleCpuEngine
from engines.parallel_recognition import ParallelRecognition
from tests.documents import DATA, truth
from tests.scoring import bag_of_words_f1


class RecordingPredictor:
    """Reads each image as its number, and notes the batches it was given and when."""

    def __init__(self, name: str, fail: bool = False) -> None:
        self.name, self.fail = name, fail
        self.calls: list[tuple[list[int], int]] = []
        self.running: list[tuple[float, float]] = []

    def __call__(self, images, batch_size, **options):
        start = time.monotonic()
        self.calls.append(([int(image[0, 0, 0]) for image in images], batch_size))
        time.sleep(0.2)
        self.running.append((start, time.monotonic()))
        if self.fail:
            raise RuntimeError("model failed")
        for image in images:
            yield {"rec_text": str(int(image[0, 0, 0])), "by": self.name, **options}


def _images(count: int) -> list[np.ndarray]:
    return [np.full((48, 100, 3), number, dtype=np.uint8) for number in range(count)]


def test_batches_alternate_between_predictors_and_readings_keep_their_order():
    first, second = RecordingPredictor("first"), RecordingPredictor("second")
    readings = list(ParallelRecognition([first, second], batch_size=3)(_images(11), return_word_box=False))
    assert [reading["rec_text"] for reading in readings] == [str(number) for number in range(11)]
    assert [reading["by"] for reading in readings] == ["first"] * 3 + ["second"] * 3 + ["first"] * 3 + ["second"] * 2
    assert readings[0]["return_word_box"] is False
    # Whole batches of 3, the short one last: the batches a single predictor would have read.
    assert first.calls == [([0, 1, 2, 6, 7, 8], 3)]
    assert second.calls == [([3, 4, 5, 9, 10], 3)]
    (first_start, first_end), (second_start, second_end) = first.running[0], second.running[0]
    assert first_start < second_end and second_start < first_end  # at the same time


def test_a_page_of_one_batch_is_read_by_one_predictor():
    first, second = RecordingPredictor("first"), RecordingPredictor("second")
    readings = list(ParallelRecognition([first, second], batch_size=6)(_images(4)))
    assert [reading["by"] for reading in readings] == ["first"] * 4
    assert second.calls == []
    assert list(ParallelRecognition([first, second], batch_size=6)([])) == []


def test_a_failed_run_fails_the_page_once_every_run_has_ended():
    first, second = RecordingPredictor("first"), RecordingPredictor("second", fail=True)
    with pytest.raises(RuntimeError, match="model failed"):
        list(ParallelRecognition([first, second], batch_size=2)(_images(8)))
    assert len(first.running) == 1  # it finished: nothing of that page still runs
    assert threading.active_count() < 10


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return np.asarray(Image.open(DATA / "8087_054.3B.tif").convert("RGB"))


def test_a_one_thread_engine_reads_in_two_runs_what_one_run_reads(tmp_path, monkeypatch, page):
    in_runs = PaddleCpuEngine(tmp_path / "models", threads=1)
    monkeypatch.setattr(paddle_cpu, "ONE_THREAD_RECOGNITION_RUNS", 1)
    in_one_run = PaddleCpuEngine(tmp_path / "models", threads=1)
    assert isinstance(in_runs._ocr.paddlex_pipeline._pipeline.text_rec_model, ParallelRecognition)
    assert not isinstance(in_one_run._ocr.paddlex_pipeline._pipeline.text_rec_model, ParallelRecognition)
    read = in_runs.recognize(page)
    assert len(read.blocks) > 12  # lines enough for both runs
    assert [(block.text, block.bbox, block.confidence) for block in read.blocks] == [
        (block.text, block.bbox, block.confidence) for block in in_one_run.recognize(page).blocks
    ]
    assert bag_of_words_f1(" ".join(block.text for block in read.blocks), truth("8087_054.3B.txt")) > 0.9
