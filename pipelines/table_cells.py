"""A table from the table-structure model's grid, filled with the page's lines by position.

Each line goes to the cell that holds most of its box (the nearest cell when none overlaps
it); a cell's lines are read top to bottom, left to right. Rows and columns that end up empty
are dropped (the model sometimes predicts an extra row). `rows` repeats nothing: a spanning
cell's text is in its first slot, the slots it covers are "".
"""

from dataclasses import dataclass

from engines.types import Block, TableCell


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
    for block in blocks:
        texts[_cell_of(block.bbox, grid)].append(block)
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


def _cell_of(box: list[float], grid: list[TableCell]) -> int:
    overlaps = [_overlap(box, cell.bbox) for cell in grid]
    best = max(range(len(grid)), key=overlaps.__getitem__)
    if overlaps[best] > 0:
        return best
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return min(range(len(grid)), key=lambda i: _distance(x, y, grid[i].bbox))


def _overlap(a: list[float], b: list[float]) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _distance(x: float, y: float, box: list[float]) -> float:
    dx = max(box[0] - x, 0.0, x - box[2])
    dy = max(box[1] - y, 0.0, y - box[3])
    return dx * dx + dy * dy


def _cell_text(blocks: list[Block]) -> str:
    ordered = sorted(
        blocks, key=lambda b: (round((b.bbox[1] + b.bbox[3]) / 2 / max(1.0, b.bbox[3] - b.bbox[1])), b.bbox[0])
    )
    return " ".join(block.text.strip() for block in ordered if block.text.strip())


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
