"""A page's lines grouped by the layout regions they lie in, and the groups in reading order.

Each line goes to the region that holds most of it (the smallest such region where they nest);
lines in no region are grouped on their own. The groups are ordered by an XY-cut over their boxes:
columns are split at a gutter that the text regions leave open (figures, tables, equations and
captions may cross it: they stand where their middle is), otherwise bands top to bottom.
"""

import dataclasses
from dataclasses import dataclass, field

from engines.reading_order import gaps as line_gaps
from engines.types import Block, Region

# A line belongs to a region when they share this much of the smaller of their boxes (a page
# number's region is often smaller than its line's box).
_MEMBER_SHARE = 0.5
# Of two regions where one holds this share of the other, the less confident one is dropped
# (the model sometimes gives one area two classes: an equation and a header).
_DUPLICATE_SHARE = 0.8
# Two regions of one type that share this much of the smaller are one region (the model often
# splits a paragraph or a title into two overlapping boxes).
_JOIN_SHARE = 0.1
# Regions that may cross a column gutter.
FLOATING_TYPES = frozenset({"figure", "figure_caption", "table", "table_caption", "equation"})
# A gutter narrower than this many line heights does not separate columns.
_GUTTER_LINES = 0.8
# Boxes lose this many line heights (at most a quarter of their height) at top and bottom when
# bands are cut: neighbouring boxes overlap a little.
_BAND_MARGIN_LINES = 0.3


@dataclass
class Group:
    """Lines of one region (None: lines in no region), in detector order until ordered."""

    region: Region | None
    blocks: list[Block] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.region.type if self.region is not None else "text"

    @property
    def bbox(self) -> list[float]:
        boxes = [block.bbox for block in self.blocks] + ([self.region.bbox] if self.region is not None else [])
        return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def distinct_regions(regions: list[Region]) -> list[Region]:
    """The regions with overlapping regions of one type (tables aside) joined into one, and without
    the less confident of two regions of different types that cover the same area."""
    kept: list[Region] = []
    for region in sorted(regions, key=lambda r: -r.confidence):
        twin = next((other for other in kept if _joins(region, other)), None)
        if twin is not None:
            twin.bbox = [*map(min, twin.bbox[:2], region.bbox[:2]), *map(max, twin.bbox[2:], region.bbox[2:])]
        elif not any(_held_share(region.bbox, other.bbox) >= _DUPLICATE_SHARE for other in kept):
            kept.append(dataclasses.replace(region, bbox=list(region.bbox)))
    return kept


def _joins(region: Region, other: Region) -> bool:
    return region.type == other.type != "table" and _held_share(region.bbox, other.bbox) >= _JOIN_SHARE


def _area(box: list[float]) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def overlap_area(a: list[float], b: list[float]) -> float:
    return _area([max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])])


def _held_share(a: list[float], b: list[float]) -> float:
    """The share of the smaller box that the other holds."""
    smaller = min(_area(a), _area(b))
    return overlap_area(a, b) / smaller if smaller > 0 else 0.0


def grouped_by_region(blocks: list[Block], regions: list[Region]) -> list[Group]:
    """Every block in the group of its region; each block in no region in a group of its own.
    Groups of regions without blocks are kept only for figures, tables and equations."""
    groups = [Group(region) for region in regions]
    loose: list[Group] = []
    for block in blocks:
        home = _home(block, regions)
        if home is None:
            loose.append(Group(None, [block]))
        else:
            groups[home].blocks.append(block)
    kept = [group for group in groups if group.blocks or group.type in ("figure", "table", "equation")]
    return kept + loose


def _home(block: Block, regions: list[Region]) -> int | None:
    best, best_area = None, float("inf")
    for index, region in enumerate(regions):
        if _held_share(block.bbox, region.bbox) >= _MEMBER_SHARE and _area(region.bbox) < best_area:
            best, best_area = index, _area(region.bbox)
    return best


def reading_order(groups: list[Group], line_height: float) -> list[Group]:
    """The groups in reading order (see the module docstring); running headers first, footers last."""
    headers = [g for g in groups if g.type == "header"]
    footers = [g for g in groups if g.type == "footer"]
    ordered: list[Group] = []
    _cut([g for g in groups if g.type not in ("header", "footer")], max(1.0, line_height), ordered)
    return _top_down(headers) + ordered + _top_down(footers)


def _top_down(groups: list[Group]) -> list[Group]:
    return sorted(groups, key=lambda g: (g.bbox[1], g.bbox[0]))


def _cut(groups: list[Group], line_height: float, out: list[Group]) -> None:
    if not groups:
        return
    if len(groups) > 1:
        parts = _columns(groups, line_height) or _bands(groups, line_height)
        if parts is not None:
            for part in parts:
                _cut(part, line_height, out)
            return
    out.extend(_top_down(groups))


def _columns(groups: list[Group], line_height: float) -> tuple[list[Group], list[Group]] | None:
    """Split at the widest gutter the fixed (non-floating) groups leave open, if both sides hold one."""
    fixed = [g.bbox for g in groups if g.type not in FLOATING_TYPES] or [g.bbox for g in groups]
    gaps = line_gaps([(box[0], box[2]) for box in fixed])
    for start, end in sorted(gaps, key=lambda gap: gap[0] - gap[1]):
        if end - start < _GUTTER_LINES * line_height:
            break
        cut = (start + end) / 2
        left = [g for g in groups if (g.bbox[0] + g.bbox[2]) / 2 < cut]
        right = [g for g in groups if (g.bbox[0] + g.bbox[2]) / 2 >= cut]
        if left and right:
            return left, right
    return None


def _bands(groups: list[Group], line_height: float) -> tuple[list[Group], list[Group]] | None:
    """Split at the widest horizontal gap between the groups' (trimmed) boxes."""
    cores = [_core(g.bbox, line_height) for g in groups]
    gaps = line_gaps(cores)
    if not gaps:
        return None
    cut = max(gaps, key=lambda gap: gap[1] - gap[0])[0]
    top = [g for g, core in zip(groups, cores, strict=True) if core[1] <= cut]
    bottom = [g for g, core in zip(groups, cores, strict=True) if core[1] > cut]
    return (top, bottom) if top and bottom else None


def _core(box: list[float], line_height: float) -> tuple[float, float]:
    margin = min(_BAND_MARGIN_LINES * line_height, (box[3] - box[1]) / 4)
    return box[1] + margin, box[3] - margin
