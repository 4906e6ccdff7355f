"""A table from the table-structure model's grid, filled with the page's lines by position.

The model's cell boxes are rough one by one (a box may sit half a row off), so lines are placed
on the grid's rows and columns instead: a row's band runs from the median top to the median
bottom of its cells that span one row, a column's likewise across; a line goes to the row and
the column whose bands hold its middle (the nearest where none does), so to the cell covering
that slot. A cell's lines are read top to bottom, left to right. Rows and columns that end up empty
are dropped (the model sometimes predicts an extra row). `rows` repeats nothing: a spanning
cell's text is in its first slot, the slots it covers are "".
"""

from dataclasses import dataclass
from statistics import median

from engines.types import Block, TableCell
from pipelines.documents.regions import overlap_area


@dataclass
class FilledCell:
    row: int
    col: int
    row_span: int
    col_span: int
    text: str
    bbox: list[float]


def filled_table(grid: list[TableCell], blocks: list[Block]) -> tuple[list[list[str]], list[FilledCell]]:
    """(rows of cell texts, cells with spans) of the grid filled with `blocks`; ([], []) when none fills it."""
    if not grid or not blocks:
        return [], []
    texts: list[list[Block]] = [[] for _ in grid]
    rows, columns = _bands(grid, 1, "row", "row_span"), _bands(grid, 0, "col", "col_span")
    covering = {
        (c.row + r, c.col + k): i for i, c in enumerate(grid) for r in range(c.row_span) for k in range(c.col_span)
    }
    for block in blocks:
        slot = (
            _nearest(rows, (block.bbox[1] + block.bbox[3]) / 2),
            _nearest(columns, (block.bbox[0] + block.bbox[2]) / 2),
        )
        texts[covering[slot] if slot in covering else _cell_of(block.bbox, grid)].append(block)
    cells = [
        FilledCell(c.row, c.col, c.row_span, c.col_span, _cell_text(members), c.bbox)
        for c, members in zip(grid, texts, strict=True)
    ]
    cells = _without_empty_lines(cells)
    if not cells:
        return [], []
    width = max(c.col + c.col_span for c in cells)
    rows = [[""] * width for _ in range(max(c.row + c.row_span for c in cells))]
    for cell in cells:
        rows[cell.row][cell.col] = cell.text
    return rows, cells


def _bands(grid: list[TableCell], axis: int, start: str, span: str) -> list[tuple[float, float]]:
    """(low, high) along `axis` (0: x, 1: y) of each row or column: the medians over its cells that
    span only it, else over the cells that start in it."""
    count = max(getattr(c, start) + getattr(c, span) for c in grid)
    bands = []
    for index in range(count):
        own = [c.bbox for c in grid if getattr(c, start) == index and getattr(c, span) == 1]
        own = own or [c.bbox for c in grid if getattr(c, start) == index]
        if own:
            bands.append((median(b[axis] for b in own), median(b[axis + 2] for b in own)))
        else:
            bands.append(bands[-1] if bands else (0.0, 0.0))
    return bands


def _nearest(bands: list[tuple[float, float]], middle: float) -> int:
    """The band holding `middle`, else the one whose centre is nearest."""
    for index, (low, high) in enumerate(bands):
        if low <= middle <= high:
            return index
    return min(range(len(bands)), key=lambda i: abs((bands[i][0] + bands[i][1]) / 2 - middle))


def _cell_of(box: list[float], grid: list[TableCell]) -> int:
    overlaps = [overlap_area(box, cell.bbox) for cell in grid]
    best = max(range(len(grid)), key=overlaps.__getitem__)
    if overlaps[best] > 0:
        return best
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return min(range(len(grid)), key=lambda i: _distance(x, y, grid[i].bbox))


def _distance(x: float, y: float, box: list[float]) -> float:
    dx = max(box[0] - x, 0.0, x - box[2])
    dy = max(box[1] - y, 0.0, y - box[3])
    return dx * dx + dy * dy


def _cell_text(blocks: list[Block]) -> str:
    """The cell's lines top to bottom; lines whose middles are less than half a line apart are one
    visual line, read left to right."""
    ordered = sorted(blocks, key=lambda b: (b.bbox[1] + b.bbox[3]) / 2)
    visual: list[list[Block]] = []
    for block in ordered:
        middle, height = (block.bbox[1] + block.bbox[3]) / 2, block.bbox[3] - block.bbox[1]
        if visual and middle - (visual[-1][-1].bbox[1] + visual[-1][-1].bbox[3]) / 2 < height / 2:
            visual[-1].append(block)
        else:
            visual.append([block])
    texts = [block.text.strip() for line in visual for block in sorted(line, key=lambda b: b.bbox[0])]
    return " ".join(text for text in texts if text)


def _without_empty_lines(cells: list[FilledCell]) -> list[FilledCell]:
    """The cells with the rows and then the columns that hold no text taken out (and spans shortened)."""
    cells = _drop_empty(cells, "row", "row_span")
    return _drop_empty(cells, "col", "col_span")


def _drop_empty(cells: list[FilledCell], start: str, span: str) -> list[FilledCell]:
    count = max(getattr(c, start) + getattr(c, span) for c in cells)
    used = [False] * count
    for cell in cells:
        if cell.text:
            for index in range(getattr(cell, start), getattr(cell, start) + getattr(cell, span)):
                used[index] = True
    new_index = [sum(used[:i]) for i in range(count + 1)]
    kept = []
    for cell in cells:
        first, last = getattr(cell, start), getattr(cell, start) + getattr(cell, span)
        if new_index[last] > new_index[first]:
            setattr(cell, start, new_index[first])
            setattr(cell, span, new_index[last] - new_index[first])
            kept.append(cell)
    return kept
