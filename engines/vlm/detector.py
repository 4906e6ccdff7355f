"""Text-line boxes for the VLM's lines: PP-OCR text detection only (the CPU engine's ONNX model),
boxes in reading order."""

import os
from pathlib import Path
from typing import Protocol

import numpy as np

from engines.model_files import DET_MODEL_NAME, prepare_model_dirs
from engines.reading_order import reading_order
from engines.types import Block

# paddlex probes model hosts at import unless told not to; we never download anything.
os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")


class LineDetector(Protocol):
    def detect(self, image: np.ndarray) -> list[list[float]]:
        """Line boxes `[x0, y0, x1, y1]` of an RGB page image, in reading order."""
        ...


def boxes_in_reading_order(boxes: list[list[float]]) -> list[list[float]]:
    """Columns left to right, top to bottom within a column (engines/reading_order.py's XY-cut)."""
    blocks = [Block(text="", bbox=[float(v) for v in box], confidence=1.0) for box in boxes]
    return [block.bbox for block in reading_order(blocks)]


class PaddleLineDetector:
    """PP-OCRv6 small text detection on ONNX Runtime, loaded once."""

    def __init__(self, cache_dir: Path, det_limit_side_len: int = 1600, threads: int | None = None) -> None:
        from paddleocr import TextDetection  # heavy import, kept off module import

        dirs = prepare_model_dirs(Path(cache_dir))
        options = {"cpu_threads": threads} if threads else {}
        self._detector = TextDetection(
            model_name=DET_MODEL_NAME,
            model_dir=str(dirs.detection),
            engine="onnxruntime",
            limit_type="max",
            limit_side_len=det_limit_side_len,
            **options,
        )

    def detect(self, image: np.ndarray) -> list[list[float]]:
        bgr = np.ascontiguousarray(image[:, :, 2::-1])
        result = self._detector.predict(bgr)[0]
        boxes = []
        for polygon in result["dt_polys"]:
            points = np.asarray(polygon, dtype=float).reshape(-1, 2)
            boxes.append([points[:, 0].min(), points[:, 1].min(), points[:, 0].max(), points[:, 1].max()])
        return boxes_in_reading_order(boxes)
