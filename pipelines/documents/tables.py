"""Tables on a page from the geometry of its text lines alone (no ruling lines, no image).

1. Rows: lines whose vertical cores overlap share one visual row (as in layout.py).
2. Regions: a table is a run of nearby rows that wide x-gaps split into pieces. Rows in one
   piece may sit inside a run (wrapped cells, section labels) but do not start or end it, so
   prose above and below stays out.
3. Columns: the x-gaps that stay open through all the region's rows. A few lines may cross
   a gap: headers spanning columns, neighbouring cells that the detector read as one line.
4. Check: prose is no table. A prose column's lines hold several words and fill it, so a
   two-column page is a region of two such columns, and a list is a column of markers beside
   one. A column of operators (+, =) is an aligned equation. A table has at most one prose
   column, lines that share their rows' middles (columns of text set side by side, and math
   with superscripts, do not), enough cells, and most rows with two cells or more (a
   figure's scattered labels have one).
5. Cells: a line goes to the column where it starts. A sparser row tight under a row is the
   continuation of that row's cells (text wrapped onto more lines) and joins them.
"""

import math
import re
from dataclasses import dataclass
from statistics import median

import numpy as np

from engines.types import Block
from pipelines.documents.table_cells import FilledCell

# An x-gap at least this many line heights wide separates cells (and columns, where lines cross it).
_CELL_GAP_LINES = 0.4
# An x-gap that no line of a table crosses separates columns from this many line heights wide.
_EMPTY_GAP_LINES = 0.15
# A vertical gap wider than this many line heights ends a table.
_ROW_GAP_LINES = 1.5
# At most this many consecutive rows in one piece inside a table.
_MAX_SINGLE_ROWS = 3
# The share of a region's rows whose lines may cross a column gap.
_CROSSING_SHARE = 0.2
# A column is prose when this share of its lines hold this many words and fill this share of it
# (a table inside a page's column leaves that column mostly prose).
_PROSE_LINE_SHARE = 0.4
_PROSE_WORDS = 4
_PROSE_FILL = 0.7
# A continuation row starts within this many line heights of the bottom of the row above,
# and fills at most this share of the columns (or one): rows under a cell spanning rows fill more.
_WRAP_GAP_LINES = 0.25
_WRAP_COLUMN_SHARE = 1 / 3
# At most this share of a table's lines sit off their row's middle by more than this many line
# heights: columns of text set side by side (a sidebar, math with superscripts) do not share rows.
_MAX_MISALIGNED_SHARE = 0.22
_OFF_ROW_LINES = 0.25
# At least this share of a table's rows hold two cells or more (a figure's labels do not).
_MIN_FULL_ROW_SHARE = 0.6
# Fewer filled cells than this is no table (2 rows of 3 columns, or 3 rows of 2).
_MIN_CELLS = 6
# A list item's or a heading's marker: bullets, "1.", "(a)", "iv)", "2.1.3".
_LIST_MARKER = re.compile(r"[•·\-–—*▪◦●○■□►➢✓]|\(?(\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)]|\d+(\.\d+)*")
# Operators and relations: a column of them is an aligned equation.
_OPERATOR = re.compile(r"[-+=<>≤≥≈≠×·−±:]")


@dataclass
class Table:
    bbox: list[float]  # [x0, y0, x1, y1] of the whole table, page pixels
    rows: list[list[str]]  # cell texts; every row has the same length; "" for an empty cell
    block_ids: list[int]  # indices (into the input list) of the blocks the table consumed
    cells: list[FilledCell] | None = None  # with spans, where the table-structure model read the grid


@dataclass
class _Row:
    cells: list[list[str]]  # the texts in each column, left to right
    top: float
    bottom: float

    @property
    def filled(self) -> set[int]:
        return {column for column, texts in enumerate(self.cells) if texts}


def find_tables(blocks: list[Block]) -> list[Table]:
    """Tables found on one page from the geometry of its text boxes, top to bottom."""
    if len(blocks) < _MIN_CELLS or not _shares_a_row(blocks):
        return []
    boxes = np.array([block.bbox for block in blocks], dtype=np.float64)
    # statistics' median of a list: numpy's costs 15-20 us a call, a few times a page
    line_height = median((boxes[:, 3] - boxes[:, 1]).tolist()) or 1.0
    tables = []
    for region in _regions(_rows(boxes), boxes, line_height):
        table = _table(region, boxes, [block.text for block in blocks], line_height)
        if table is not None:
            tables.append(table)
    return tables


def _shares_a_row(blocks: list[Block]) -> bool:
    """Whether two lines share a visual row (as `_rows` groups them): a table needs rows of several
    cells. A text layer's lines usually stand alone; this check costs a third of building the rows."""
    cores = sorted((b.bbox[1] + (b.bbox[3] - b.bbox[1]) / 4, b.bbox[3] - (b.bbox[3] - b.bbox[1]) / 4) for b in blocks)
    reach = -math.inf
    for top, bottom in cores:
        if top <= reach:
            return True
        reach = bottom
    return False


def _rows(boxes: np.ndarray) -> list[np.ndarray]:
    """Block indices grouped into visual rows, top to bottom, each row left to right.

    Rows are built on the boxes' cores (without their outer quarters) as neighbouring lines' boxes often overlap."""
    margin = (boxes[:, 3] - boxes[:, 1]) / 4
    tops, bottoms = boxes[:, 1] + margin, boxes[:, 3] - margin
    rows: list[list[int]] = []
    reach = -np.inf
    for index in np.argsort(tops, kind="stable").tolist():
        if tops[index] > reach:
            rows.append([])
            reach = bottoms[index]
        rows[-1].append(index)
        reach = max(reach, bottoms[index])
    return [np.array(sorted(row, key=lambda i: boxes[i, 0])) for row in rows]


def _is_split(row: np.ndarray, boxes: np.ndarray, line_height: float) -> bool:
    """Whether a wide x-gap separates some of the row's lines."""
    if len(row) < 2:
        return False
    reach = np.maximum.accumulate(boxes[row, 2])[:-1]
    return bool(np.any(boxes[row[1:], 0] - reach >= _CELL_GAP_LINES * line_height))


def _regions(rows: list[np.ndarray], boxes: np.ndarray, line_height: float) -> list[list[np.ndarray]]:
    """Runs of nearby rows that start and end with a split row and hold at least two."""
    regions: list[list[np.ndarray]] = []
    current: list[np.ndarray] = []
    singles = 0  # rows in one piece at the end of `current`

    def close() -> None:
        kept = current[: len(current) - singles]
        if len(kept) >= 2:
            regions.append(kept)

    for row in rows:
        split = _is_split(row, boxes, line_height)
        if current:
            gap = boxes[row, 1].min() - boxes[current[-1], 3].max()
            if gap > _ROW_GAP_LINES * line_height or (not split and singles == _MAX_SINGLE_ROWS):
                close()
                current, singles = [], 0
        if split:
            current.append(row)
            singles = 0
        elif current:
            current.append(row)
            singles += 1
    close()
    return regions


def _open_runs(is_open: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges where `is_open` holds."""
    edges = np.flatnonzero(np.diff(np.concatenate(([False], is_open, [False])).astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _column_gaps(boxes: np.ndarray, row_count: int, line_height: float) -> np.ndarray:
    """The x ranges (start, end) that separate columns of the region's boxes, left to right.

    An empty stretch is a gap when it is a little wide; a stretch that a few lines cross is one
    when it is as wide as a gap between cells and holds no empty gap (a column with text in
    only one row must survive)."""
    left = boxes[:, 0].min()
    coverage = np.zeros(int(boxes[:, 2].max() - left) + 2, dtype=np.int32)
    np.add.at(coverage, (boxes[:, 0] - left).astype(np.int64), 1)
    np.add.at(coverage, (boxes[:, 2] - left).astype(np.int64), -1)
    coverage = np.cumsum(coverage)[:-1]

    def inner_runs(is_open: np.ndarray, min_lines: float) -> list[tuple[int, int]]:
        runs = _open_runs(is_open)  # a run touching the region's outer edges is no gap
        return [(s, e) for s, e in runs if s > 0 and e < len(coverage) - 1 and e - s >= min_lines * line_height]

    empty = inner_runs(coverage == 0, _EMPTY_GAP_LINES)
    crossed = [
        (start, end)
        for start, end in inner_runs(coverage <= int(_CROSSING_SHARE * row_count), _CELL_GAP_LINES)
        if not any(start <= s and e <= end for s, e in empty)
    ]
    return np.array(sorted(empty + crossed), dtype=np.float64).reshape(-1, 2) + left


def _is_prose(ids: np.ndarray, boxes: np.ndarray, texts: list[str], column_width: float) -> bool:
    if len(ids) == 0:
        return False
    words = np.array([len(texts[i].split()) for i in ids.tolist()])
    prose_lines = (words >= _PROSE_WORDS) & (boxes[ids, 2] - boxes[ids, 0] >= _PROSE_FILL * column_width)
    return float(prose_lines.mean()) >= _PROSE_LINE_SHARE


def _is_table(
    region: list[np.ndarray], column_of: dict[int, int], edges: np.ndarray, boxes: np.ndarray, texts: list[str]
) -> bool:
    """Whether the region's rows, in columns with left and right x `edges` (column c from edge
    2c to 2c + 1), hold a table rather than prose, a list or an equation: see the module docstring."""
    ids = np.concatenate(region)
    columns = np.array([column_of[i] for i in ids.tolist()])
    prose = other = 0
    for column in range(len(edges) // 2):
        inside = ids[columns == column]
        cells = [texts[i].strip() for i in inside.tolist()]
        if column == 0 and len(edges) == 4 and all(_LIST_MARKER.fullmatch(text) for text in cells):
            return False
        if len(cells) > 1 and all(_OPERATOR.fullmatch(text) for text in cells):
            return False
        if _is_prose(inside, boxes, texts, edges[2 * column + 1] - edges[2 * column]):
            prose += 1
        elif len(inside):
            other += 1
    return prose <= 1 and other >= 1 and _misaligned_share(region, boxes) <= _MAX_MISALIGNED_SHARE


def _misaligned_share(region: list[np.ndarray], boxes: np.ndarray) -> float:
    """The share of the lines in rows of several lines that sit off their row's middle."""
    ids = np.concatenate(region)
    line_height = median((boxes[ids, 3] - boxes[ids, 1]).tolist())
    off = total = 0
    for row in region:
        if len(row) > 1:
            middles = (boxes[row, 1] + boxes[row, 3]) / 2
            off += int(np.sum(np.abs(middles - median(middles.tolist())) > _OFF_ROW_LINES * line_height))
            total += len(row)
    return off / total


def _table(region: list[np.ndarray], boxes: np.ndarray, texts: list[str], line_height: float) -> Table | None:
    ids = np.concatenate(region)
    gaps = _column_gaps(boxes[ids], len(region), line_height)
    if len(gaps) == 0:
        return None
    # A line belongs to the column where it starts; a gap's middle divides two columns.
    column_of = dict(zip(ids.tolist(), np.searchsorted(gaps.mean(axis=1), boxes[ids, 0]).tolist(), strict=True))
    edges = np.concatenate(([boxes[ids, 0].min()], gaps.ravel(), [boxes[ids, 2].max()]))
    if not _is_table(region, column_of, edges, boxes, texts):
        return None
    rows = _merge_wrapped([_row(row, column_of, boxes, texts, len(gaps) + 1) for row in region], line_height)
    cells = [[" ".join(texts) for texts in row.cells] for row in rows]
    filled = [sum(bool(cell) for cell in row) for row in cells]
    if sum(filled) < _MIN_CELLS or sum(count > 1 for count in filled) < _MIN_FULL_ROW_SHARE * len(cells):
        return None
    x0, y0 = boxes[ids, :2].min(axis=0).tolist()
    x1, y1 = boxes[ids, 2:].max(axis=0).tolist()
    return Table(bbox=[x0, y0, x1, y1], rows=cells, block_ids=sorted(ids.tolist()))


def _row(row: np.ndarray, column_of: dict[int, int], boxes: np.ndarray, texts: list[str], width: int) -> _Row:
    """The row's texts by column; several lines in one cell in reading order."""
    by_column: list[list[int]] = [[] for _ in range(width)]
    for index in row.tolist():
        by_column[column_of[index]].append(index)
    cells = []
    for ids in by_column:
        ordered = [ids[i] for line in _rows(boxes[ids]) for i in line.tolist()] if len(ids) > 1 else ids
        cells.append([texts[i].strip() for i in ordered])
    return _Row(cells, float(boxes[row, 1].min()), float(boxes[row, 3].max()))


def _merge_wrapped(rows: list[_Row], line_height: float) -> list[_Row]:
    """Rows with the continuation rows below them joined in: see the module docstring."""
    merged = [rows[0]]
    for row in rows[1:]:
        above = merged[-1]
        filled = row.filled
        if (
            row.top - above.bottom <= _WRAP_GAP_LINES * line_height
            and filled < above.filled  # a strict subset: fewer cells, no new column
            and len(filled) <= max(1, _WRAP_COLUMN_SHARE * len(row.cells))
        ):
            for column in filled:
                above.cells[column].extend(row.cells[column])
            above.bottom = max(above.bottom, row.bottom)
        else:
            merged.append(row)
    return merged
