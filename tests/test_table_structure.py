"""The table-structure model (SLANet_plus) on tables drawn here: rows, columns, spans and cell boxes."""

import socket

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from engines.table_structure import TableStructureModel, grid
from engines.types import TableCell

MARGIN, COL_WIDTH, ROW_HEIGHT = 10, 140, 40
Span = tuple[int, int, int, int]  # row, col, row_span, col_span

GRID = [["Name", "Age", "City", "Score"]] + [
    [name, age, city, score]
    for name, age, city, score in [
        ("Alice", "34", "Paris", "12.5"),
        ("Bruno", "27", "Lyon", "8.0"),
        ("Chen", "45", "Nantes", "17.25"),
        ("Dara", "31", "Lille", "9.75"),
    ]
]
# "Results" spans "Mean" and "SD"; "Group" and "N" span both header rows.
SPANNED = [
    ["Group", "Results", "", "N"],
    ["", "Mean", "SD", ""],
    ["Control", "12.3", "1.10", "40"],
    ["Placebo", "14.0", "1.40", "45"],
    ["Low dose", "15.7", "1.70", "50"],
    ["High dose", "17.4", "2.00", "55"],
]
SPANNED_MERGES = ((0, 0, 2, 1), (0, 1, 1, 2), (0, 3, 2, 1))


def slot_box(row: int, col: int, row_span: int = 1, col_span: int = 1) -> tuple[int, int, int, int]:
    x, y = MARGIN + col * COL_WIDTH, MARGIN + row * ROW_HEIGHT
    return x, y, x + col_span * COL_WIDTH, y + row_span * ROW_HEIGHT


def layout(rows: int, cols: int, merges: list[Span]) -> list[Span]:
    """Every cell of the table: the merged ones and each slot no merge covers."""
    covered = {(r + i, c + j) for r, c, rs, cs in merges for i in range(rs) for j in range(cs)}
    singles = [(r, c, 1, 1) for r in range(rows) for c in range(cols) if (r, c) not in covered]
    return merges + singles


def render(texts: list[list[str]], merges: tuple[Span, ...] = ()) -> np.ndarray:
    """An RGB image of a ruled table, white with black lines, each cell's text centred in it."""
    rows, cols = len(texts), len(texts[0])
    image = Image.new("RGB", (cols * COL_WIDTH + 2 * MARGIN, rows * ROW_HEIGHT + 2 * MARGIN), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=18)
    for row, col, row_span, col_span in layout(rows, cols, list(merges)):
        x0, y0, x1, y1 = slot_box(row, col, row_span, col_span)
        draw.rectangle((x0, y0, x1, y1), outline="black", width=2)
        draw.text(((x0 + x1) / 2, (y0 + y1) / 2), texts[row][col], fill="black", font=font, anchor="mm")
    return np.array(image)


def shape(cells: list[TableCell]) -> tuple[int, int]:
    return max(cell.row + cell.row_span for cell in cells), max(cell.col + cell.col_span for cell in cells)


def centre(cell: TableCell) -> tuple[float, float]:
    x0, y0, x1, y1 = cell.bbox
    return (x0 + x1) / 2, (y0 + y1) / 2


@pytest.fixture(scope="module")
def model() -> TableStructureModel:
    return TableStructureModel()


def test_a_ruled_five_by_four_table_has_twenty_cells(model):
    cells = model.cells(render(GRID))
    assert len(cells) == 20
    assert shape(cells) == (5, 4)
    assert sorted((cell.row, cell.col) for cell in cells) == [(r, c) for r in range(5) for c in range(4)]
    assert all(cell.row_span == cell.col_span == 1 for cell in cells)


def test_a_header_spanning_two_columns_is_one_cell(model):
    cells = model.cells(render(SPANNED, SPANNED_MERGES))
    assert shape(cells) == (6, 4)
    assert [(c.row, c.col, c.row_span, c.col_span) for c in cells if c.row == 0] == [
        (0, 0, 2, 1),
        (0, 1, 1, 2),
        (0, 3, 2, 1),
    ]
    # "Mean" and "SD" sit under "Results", past the slot that "Group" holds from the row above.
    assert [(c.col, c.col_span) for c in cells if c.row == 1] == [(1, 1), (2, 1)]


def test_cell_boxes_lie_in_the_crop_in_row_order_on_their_drawn_cells(model):
    image = render(GRID)
    height, width = image.shape[:2]
    cells = model.cells(image)
    for cell in cells:
        x0, y0, x1, y1 = cell.bbox
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
        drawn = slot_box(cell.row, cell.col)
        x, y = centre(cell)
        assert drawn[0] < x < drawn[2] and drawn[1] < y < drawn[3]
    for row in range(4):
        middle = np.mean([centre(cell)[1] for cell in cells if cell.row == row])
        assert all(cell.bbox[1] > middle for cell in cells if cell.row == row + 1)


def test_the_model_loads_and_runs_without_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access in a test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert len(TableStructureModel().cells(render(GRID))) == 20


def test_row_spans_from_above_push_cells_to_the_next_free_column():
    tokens = '<tr>|<td| rowspan="3"|>|</td>|<td></td>|</tr>|<tr>|<td></td>|</tr>|<tr>|<td></td>|</tr>'
    cells = grid(tokens.split("|"), [[float(i)] * 4 for i in range(4)])
    assert [(c.row, c.col, c.row_span, c.col_span) for c in cells] == [
        (0, 0, 3, 1),
        (0, 1, 1, 1),
        (1, 1, 1, 1),
        (2, 1, 1, 1),
    ]
