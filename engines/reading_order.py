"""Reading order and paragraphs from line boxes.

Order comes from a recursive XY-cut: a region is split at a wide vertical gutter into
columns (read left to right), otherwise at its widest horizontal gap into bands (read top
to bottom). Lines that share a band with no gap between them form one visual line. A new
paragraph starts at a new column, after a large vertical gap, or after a line that ends
well short of its column's right edge.
"""

from dataclasses import dataclass
from statistics import median

import numpy as np

from engines.types import Block

# A gutter narrower than this many line heights does not separate columns.
_COLUMN_GAP_LINES = 1.0
# The share of a region's lines that may cross a gutter (captions, merged lines).
_GUTTER_CROSSING_SHARE = 0.10
# The share of a region's lines that each side of a gutter must hold.
_COLUMN_MIN_SHARE = 0.10
# A vertical gap wider than this many line heights starts a new paragraph.
_PARAGRAPH_GAP_LINES = 0.8
# A line ending this many line heights short of its column's right edge ends a paragraph.
_SHORT_LINE_LINES = 3.0


@dataclass
class Line:
    """Blocks on one visual line. Most lines are one block (every line of a text layer is): the
    properties read it directly (a fifth of the time of a text-layer page's structure)."""

    blocks: list[Block]

    @property
    def text(self) -> str:
        if len(self.blocks) == 1:
            return self.blocks[0].text
        return " ".join(block.text for block in self.blocks)

    @property
    def top(self) -> float:
        if len(self.blocks) == 1:
            return self.blocks[0].bbox[1]
        return min(block.bbox[1] for block in self.blocks)

    @property
    def bottom(self) -> float:
        if len(self.blocks) == 1:
            return self.blocks[0].bbox[3]
        return max(block.bbox[3] for block in self.blocks)

    @property
    def right(self) -> float:
        if len(self.blocks) == 1:
            return self.blocks[0].bbox[2]
        return max(block.bbox[2] for block in self.blocks)


def gaps(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The empty stretches between merged intervals, as (start, end)."""
    gaps = []
    ordered = sorted(intervals)
    reach = ordered[0][1]
    for start, end in ordered[1:]:
        if start > reach:
            gaps.append((reach, start))
        reach = max(reach, end)
    return gaps


def _core(block: Block) -> tuple[float, float]:
    """The block's vertical extent without its outer quarters: neighbouring lines' boxes often overlap."""
    y0, y1 = block.bbox[1], block.bbox[3]
    margin = (y1 - y0) / 4
    return y0 + margin, y1 - margin


def _open_runs(coverage: np.ndarray, ceiling: int) -> list[tuple[int, int]]:
    """Half-open index ranges where at most `ceiling` blocks cover the x position."""
    is_open = np.concatenate(([False], coverage <= ceiling, [False]))
    edges = np.flatnonzero(np.diff(is_open.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _columns(blocks: list[Block], line_height: float) -> tuple[list[Block], list[Block]] | None:
    """Split at the widest vertical gutter, or None when the region is a single column.

    A gutter is at least a line height wide, may be crossed by a few lines (a figure caption,
    lines the detector merged across columns), and has a real column on each side. A
    crossing line goes to the side where its centre is."""
    left = min(b.bbox[0] for b in blocks)
    coverage = np.zeros(int(max(b.bbox[2] for b in blocks) - left) + 1, dtype=np.int32)
    for b in blocks:
        coverage[int(b.bbox[0] - left) : int(b.bbox[2] - left)] += 1
    smallest_side = max(1, int(_COLUMN_MIN_SHARE * len(blocks)))
    runs = _open_runs(coverage, int(_GUTTER_CROSSING_SHARE * len(blocks)))
    for start, end in sorted(runs, key=lambda run: run[0] - run[1]):
        if end - start < _COLUMN_GAP_LINES * line_height:
            break
        cut = left + (start + end) / 2
        first = [b for b in blocks if (b.bbox[0] + b.bbox[2]) / 2 < cut]
        second = [b for b in blocks if (b.bbox[0] + b.bbox[2]) / 2 >= cut]
        if min(len(first), len(second)) >= smallest_side:
            return first, second
    return None


def _xy_cut(blocks: list[Block], line_height: float, column: int, out: list[tuple[int, list[Block]]]) -> int:
    """Append (column id, blocks of one visual line) to `out` in reading order."""
    if len(blocks) > 1:
        columns = _columns(blocks, line_height)
        if columns is not None:
            column = _xy_cut(columns[0], line_height, column, out)
            return _xy_cut(columns[1], line_height, column + 1, out)
        y_gaps = gaps([_core(b) for b in blocks])
        if y_gaps:
            # The widest gap first: it separates full-width headings from the columns below.
            cut = max(y_gaps, key=lambda g: g[1] - g[0])[0]
            top = [b for b in blocks if _core(b)[1] <= cut]
            bottom = [b for b in blocks if _core(b)[1] > cut]
            column = _xy_cut(top, line_height, column, out)
            return _xy_cut(bottom, line_height, column, out)
    out.append((column, sorted(blocks, key=lambda b: b.bbox[0])))
    return column


def paragraphs(blocks: list[Block]) -> list[list[Line]]:
    """The page's blocks grouped into paragraphs of lines, in reading order: the source's own
    paragraphs and order when every block has one (a PDF text layer), else from the geometry."""
    if not blocks:
        return []
    if all(block.paragraph is not None for block in blocks):
        return _source_paragraphs(blocks)
    line_height = median(b.bbox[3] - b.bbox[1] for b in blocks) or 1.0
    ordered: list[tuple[int, list[Block]]] = []
    _xy_cut(blocks, line_height, 0, ordered)
    lines = [(column, Line(line_blocks)) for column, line_blocks in ordered]
    column_right: dict[int, float] = {}
    for column, line in lines:
        column_right[column] = max(column_right.get(column, 0.0), line.right)
    result: list[list[Line]] = []
    previous: tuple[int, Line] | None = None
    for column, line in lines:
        new_paragraph = (
            previous is None
            or column != previous[0]
            or line.top - previous[1].bottom > _PARAGRAPH_GAP_LINES * line_height
            or column_right[column] - previous[1].right > _SHORT_LINE_LINES * line_height
        )
        if new_paragraph:
            result.append([])
        result[-1].append(line)
        previous = (column, line)
    return result


def _source_paragraphs(blocks: list[Block]) -> list[list[Line]]:
    grouped: list[list[Line]] = []
    for previous, block in zip([None, *blocks], blocks, strict=False):
        if previous is None or block.paragraph != previous.paragraph:
            grouped.append([])
        grouped[-1].append(Line([block]))
    return grouped


def flatten(grouped: list[list[Line]]) -> list[Block]:
    """The blocks of grouped paragraphs, in their reading order."""
    return [block for paragraph in grouped for line in paragraph for block in line.blocks]


def reading_order(blocks: list[Block]) -> list[Block]:
    return flatten(paragraphs(blocks))


def first_under(blocks: list[Block], box: list[float], skip: set[int] | frozenset[int] = frozenset()) -> int | None:
    """The index of the first block (in list order, those in `skip` aside) that lies wholly under
    `box` and overlaps it across; None when there is none. Where a table or a picture that the
    source put elsewhere in its order goes back in."""
    x0, _, x1, bottom = box
    for index, block in enumerate(blocks):
        if index not in skip and block.bbox[1] >= bottom and block.bbox[0] < x1 and x0 < block.bbox[2]:
            return index
    return None
