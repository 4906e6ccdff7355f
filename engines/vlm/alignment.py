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
    """For each line, the indices of the boxes it takes (consecutive, increasing along the lines)."""
    text_share = _shares([len(line.strip()) for line in lines])
    box_share = _shares([_capacity(box) for box in boxes])
    n, m = len(lines), len(boxes)
    extra_box = _EXTRA_BOX_COST / max(m, 1)
    inf = float("inf")
    # cost[i][j]: best cost of lines[:i] against boxes[:j]; back[i][j]: (previous i, previous j).
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int]]] = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if here == inf:
                continue
            if j < m:  # box j unused
                _relax(cost, back, i, j + 1, here + _UNUSED_BOX_COST * box_share[j], (i, j))
            if i < n:  # line i without a box
                _relax(cost, back, i + 1, j, here + _MISSING_BOX_COST * text_share[i], (i, j))
                taken = 0.0
                for k in range(j, min(m, j + _MAX_GROUP)):  # line i takes boxes j..k
                    taken += box_share[k]
                    merge = extra_box * (k - j)
                    _relax(cost, back, i + 1, k + 1, here + abs(text_share[i] - taken) + merge, (i, j))
    groups: list[list[int]] = [[] for _ in range(n)]
    i, j = n, m
    while i or j:
        pi, pj = back[i][j]
        if pi == i - 1 and pj < j:
            groups[pi] = list(range(pj, j))
        i, j = pi, pj
    return groups


def _relax(cost: list[list[float]], back: list[list[tuple[int, int]]], i: int, j: int, value: float, origin) -> None:
    if value < cost[i][j] - 1e-12:
        cost[i][j] = value
        back[i][j] = origin


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
