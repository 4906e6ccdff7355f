"""A page's text lines read by two recognition sessions at once.

paddleocr's pipeline sorts a page's line crops by width and reads them in batches, one after the
other. Here the batches go in turn to one of several predictors of the same model (each an ONNX
Runtime session of its own), which read at the same time: the batches are the ones a single predictor
would read, so the text is the same. A replica that reads on one thread so leaves no core idle on a
lone page, and two busy replicas lose nothing: unlike a 2-thread session, whose threads meet at a
barrier in every operator, the runs never wait for each other (docs/capacity.md).
"""

import concurrent.futures
from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np


class Predictor(Protocol):
    """A paddlex text recognition predictor: one reading per image, in order."""

    def __call__(self, images: list[np.ndarray], batch_size: int, **options: Any) -> Iterator[Any]: ...


class ParallelRecognition:
    """Stands in for the pipeline's recognition predictor; `predictors` are sessions of one model."""

    def __init__(self, predictors: list[Predictor], batch_size: int) -> None:
        self._predictors = predictors
        self._batch_size = batch_size
        self._pool = concurrent.futures.ThreadPoolExecutor(len(predictors), thread_name_prefix="ocr-lines")

    def __call__(self, images: list[np.ndarray], **options: Any) -> Iterator[Any]:
        size = self._batch_size
        batches = [images[start : start + size] for start in range(0, len(images), size)]
        runs = min(len(self._predictors), len(batches))
        if runs <= 1:
            yield from self._read(self._predictors[0], images, options)
            return
        shares = [[image for batch in batches[run::runs] for image in batch] for run in range(runs)]
        futures = [
            self._pool.submit(self._read, predictor, share, options)
            for predictor, share in zip(self._predictors, shares, strict=False)
        ]
        concurrent.futures.wait(futures)  # none still running when one failed
        readings = [future.result() for future in futures]
        for index in range(len(batches)):
            run, turn = index % runs, index // runs
            yield from readings[run][turn * size : (turn + 1) * size]

    def _read(self, predictor: Predictor, images: list[np.ndarray], options: dict[str, Any]) -> list[Any]:
        return list(predictor(images, batch_size=self._batch_size, **options))
