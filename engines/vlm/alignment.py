"""Boxes for the model's lines: a monotone alignment of its text lines (in reading order) to the
text detector's line boxes (in reading order).

Each model line takes a run of consecutive boxes (several when it spans them, e.g. a table row over
its cells), none, or boxes are left over (the detector saw something the model did not write). The
cost compares each line's share of the page's characters with its boxes' share of the page's
"character capacity" (box width over box height, which is how many characters of that height fit);
each extra box a line takes costs a little.
A line left without a box gets the union of its neighbours' boxes, or the whole page.
"""

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Box = list[float]

# Cost per unit of share for a line without a box and for a box without a line.
_MISSING_BOX_COST = 1.0
_UNUSED_BOX_COST = 1.0
# Cost of each box a line takes beyond its first, in units of the mean box share: a line takes
# more boxes only where its text needs them, not to swallow specks the model did not read.
_EXTRA_BOX_COST = 0.25
# Most boxes one line may take.
_MAX_GROUP = 16


def _shares(values: Sequence[float]) -> list[float]:
    total = sum(values)
    return [v / total for v in values] if total > 0 else [0.0] * len(values)


def _capacity(box: Box) -> float:
    width, height = max(box[2] - box[0], 0.0), max(box[3] - box[1], 1.0)
    return width / height


def union(boxes: Sequence[Box]) -> Box:
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def align_groups(lines: Sequence[str], boxes: Sequence[Box]) -> list[list[int]]:
    """For each line, the indices of the boxes it takes (consecutive, increasing along the lines).

    A dynamic programme over cost[i][j], the best cost of lines[:i] against boxes[:j], one line (row) at
    a time, vectorised over the boxes: a row first takes the best of the moves from the row before
    (line i-1 without a box, or taking 1.._MAX_GROUP boxes ending at box j-1), then leaves boxes unused
    along the row (a min-plus prefix scan). Of candidates within _TIE of the best, the one found first
    in row-major order wins: the largest group, then no box, then unused boxes left as late as possible."""
    if not lines:
        return []
    text_share = _shares([len(line.strip()) for line in lines])
    moves = _Moves(np.array(_shares([_capacity(box) for box in boxes]), dtype=float))
    n, width = len(lines), len(boxes) + 1
    # source[i][j]: the column of row i-1 that cost[i][j] comes from when no box is left unused on row
    # i just before j; start[i][j]: the column of row i where the run of unused boxes ending at j starts.
    source = np.zeros((n + 1, width), dtype=np.intp)
    start = np.zeros((n + 1, width), dtype=np.intp)
    cost = moves.unused  # row 0: every box so far unused
    for i in range(n):
        arrive, source[i + 1] = moves.arrive(cost, text_share[i])
        cost, start[i + 1] = moves.leave_unused(arrive)
    return _trace(source, start)


# A candidate replaces one found before it only when it is cheaper by more than this.
_TIE = 1e-12


class _Moves:
    """The costs of the moves between rows (taking boxes, none) and along a row (unused boxes) of one
    page, and the buffers to score a row's candidates in."""

    def __init__(self, box_share: np.ndarray) -> None:
        m = len(box_share)
        self.columns = np.arange(m + 1)
        self.unused = np.append(0.0, np.cumsum(_UNUSED_BOX_COST * box_share))  # leaving boxes[:j] unused
        self.taken = _taken_shares(box_share)
        groups = np.append(np.arange(_MAX_GROUP - 1, -1, -1.0), 0.0)  # extra boxes taken, per candidate
        self.merge = (_EXTRA_BOX_COST / max(m, 1)) * groups[:, None]
        # previous[j - _MAX_GROUP + k] (inf before column 0) as window[k][j], a view of _padded.
        self._padded = np.full(_MAX_GROUP + m + 1, np.inf)
        self._window = sliding_window_view(self._padded, _MAX_GROUP + 1).T
        self._candidates = np.empty((_MAX_GROUP + 1, m + 1))

    def arrive(self, previous: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
        """The best cost of reaching each column of a row from the row before (whose line has this
        share of the text), and the column it comes from.

        Candidate k for column j comes from column j - _MAX_GROUP + k of the row before: for
        k < _MAX_GROUP its line takes the boxes from there up to j, for k = _MAX_GROUP it takes none."""
        self._padded[_MAX_GROUP:] = previous
        candidates, takes = self._candidates, self._candidates[:-1]
        np.abs(np.subtract(share, self.taken, out=takes), out=takes)
        candidates[-1] = _MISSING_BOX_COST * share
        candidates += self._window
        candidates += self.merge
        choice = np.argmax(candidates <= candidates.min(axis=0) + _TIE, axis=0)
        return candidates[choice, self.columns], self.columns - _MAX_GROUP + choice

    def leave_unused(self, arrive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """cost[j]: the least over j' <= j of arrive[j'] plus leaving boxes j'..j-1 unused, and that
        j' (the latest of those within _TIE of the least)."""
        relative = arrive - self.unused
        within = relative <= np.minimum.accumulate(relative) + _TIE
        start = np.maximum.accumulate(np.where(within, self.columns, 0))
        return relative[start] + self.unused, start


def _taken_shares(box_share: np.ndarray) -> np.ndarray:
    """taken[k][j]: the share of boxes j-d-1 .. j-1 for d = _MAX_GROUP-1-k (inf where j-d-1 < 0),
    summed box by box from the first."""
    m = len(box_share)
    taken = np.full((_MAX_GROUP, m + 1), np.inf)
    run = box_share
    for d in range(min(_MAX_GROUP, m)):
        if d:
            run = run[:-1] + box_share[d:]
        taken[_MAX_GROUP - 1 - d, d + 1 :] = run
    return taken


def _trace(source: np.ndarray, start: np.ndarray) -> list[list[int]]:
    """The groups along the best path back from the last row and column."""
    groups: list[list[int]] = []
    j = source.shape[1] - 1
    for i in range(source.shape[0] - 1, 0, -1):
        first = int(start[i, j])
        j = int(source[i, first])
        groups.append(list(range(j, first)))
    return groups[::-1]


def align_boxes(lines: Sequence[str], boxes: Sequence[Box], page_size: tuple[int, int]) -> list[Box]:
    """A box for every line: the union of the detector boxes it aligns to; for a line with none, the
    union of the nearest boxed lines before and after it, or the whole page when no line has a box."""
    width, height = page_size
    page = [0.0, 0.0, float(width), float(height)]
    groups = align_groups(lines, boxes) if boxes else [[] for _ in lines]
    own = [union([boxes[k] for k in group]) if group else None for group in groups]
    result = []
    for index, box in enumerate(own):
        if box is None:
            before = next((b for b in reversed(own[:index]) if b is not None), None)
            after = next((b for b in own[index + 1 :] if b is not None), None)
            neighbours = [b for b in (before, after) if b is not None]
            box = union(neighbours) if neighbours else page
        result.append([float(v) for v in box])
    return result
