"""A page's structure from its line boxes and, where a layout model read the page, its regions:
headings, paragraphs, list items, tables, equations and page furniture, in reading order.
Markdown, Word and the job's `text` are all written from it.

With regions (`pipelines.documents.regions`), each region's lines make its elements: a title region a
heading, a table region a table from the table-structure model's grid (or from geometry), an
equation region an equation, header and footer regions page furniture (kept in `text`, left out
of Markdown). Lines in no region, and pages without regions, are structured from geometry alone:
tables are found first (`pipelines.documents.tables`) and stand in the reading order as one box each, so
that their columns are not read as text columns; headings are short paragraphs set in lines
clearly taller than the page's body text. List items start with a bullet or a number.
"""

import re
from dataclasses import dataclass, field
from statistics import median

from engines.reading_order import Line, first_under, paragraphs
from engines.types import Block, Region
from pipelines.documents.furniture import furniture_kinds
from pipelines.documents.regions import Group, distinct_regions, grouped_by_region, reading_order
from pipelines.documents.table_cells import FilledCell, filled_table
from pipelines.documents.tables import Table, find_tables

# A paragraph of lines this much taller than the body's is a heading; the ratios are the
# smallest for levels 1, 2 and 3.
_HEADING_RATIOS = (1.8, 1.45, 1.25)
_HEADING_MAX_LINES = 3
_HEADING_MAX_CHARS = 150
# The level of a title region's heading when its lines are no taller than the body's, where the
# model is at least this confident (it takes short paragraphs of large type for titles).
_TITLE_LEVEL = 2
_TITLE_MIN_CONFIDENCE = 0.7
# Regions whose lines may hold a table the layout model did not mark (lines in no region: "text").
_MAY_HOLD_TABLES = frozenset({"text", "figure", "figure_caption", "table_caption", "reference", "title"})
# A list item starts with a bullet symbol (a space after it optional), or with a dash, a number
# ("3.", "3)") or a letter ("a)") followed by a space.
_LIST_MARKER = re.compile(r"^\s*([•●▪■◦○►▸▶❖✓✔➢➤□](?=\s*\S)|(?:[·\-–*]|\d{1,3}[.)]|[a-z][)])(?=\s+\S))\s*")


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Paragraph:
    lines: list[str]


@dataclass
class ListItem:
    marker: str
    text: str


@dataclass
class TableElement:
    rows: list[list[str]]
    cells: list[FilledCell] | None = None  # with spans, where the table-structure model read the grid


@dataclass
class Equation:
    lines: list[str]


@dataclass
class Furniture:
    """A running header or footer (or page number): in `text`, not in Markdown."""

    kind: str  # "header" or "footer"
    lines: list[str]


Element = Heading | Paragraph | ListItem | TableElement | Equation | Furniture


@dataclass
class PageStructure:
    elements: list[Element] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)  # every line block, in reading order
    tables: list[Table] = field(default_factory=list)


def page_structure(
    blocks: list[Block], regions: list[Region] | None = None, page_height: float = 0.0, repeated: set[str] | None = None
) -> PageStructure:
    """The structure of a page's blocks (in reading order, or in a text layer's own order) and, where a
    layout model read the page, its regions. `page_height` (pixels) and the `repeated` furniture of
    earlier pages (`pipelines.documents.furniture`) let furniture be found by position."""
    furniture = furniture_kinds(blocks, page_height, repeated)
    if regions:
        return _region_structure(blocks, regions, furniture)
    structure = PageStructure()
    _add_furniture(structure, blocks, furniture, "header")
    _add_geometry_structure(structure, [block for i, block in enumerate(blocks) if i not in furniture])
    _add_furniture(structure, blocks, furniture, "footer")
    return structure


def _add_furniture(structure: PageStructure, blocks: list[Block], furniture: dict[int, str], kind: str) -> None:
    members = [blocks[i] for i, found in furniture.items() if found == kind]
    for block in sorted(members, key=lambda b: (b.bbox[1], b.bbox[0])):
        block.type = kind
        structure.blocks.append(block)
        structure.elements.append(Furniture(kind, [block.text]))


def _region_structure(blocks: list[Block], regions: list[Region], furniture: dict[int, str]) -> PageStructure:
    line_height = median(b.bbox[3] - b.bbox[1] for b in blocks) if blocks else 1.0
    groups = grouped_by_region(blocks, distinct_regions(regions))
    kind_of = {id(blocks[i]): kind for i, kind in furniture.items()}
    for group in groups:  # lines in no region that are furniture by position
        if group.region is None and id(group.blocks[0]) in kind_of:
            group.region = Region(kind_of[id(group.blocks[0])], group.blocks[0].bbox, 1.0)
    groups = _loose_merged(reading_order(_with_geometry_tables(groups), line_height))
    body = [b.bbox[3] - b.bbox[1] for g in groups if g.type in ("text", "reference") for b in g.blocks]
    body_height = median(body) if body else line_height
    structure = PageStructure()
    for group in groups:
        for block in group.blocks:
            block.type = group.type
        if group.region is None:
            _add_geometry_structure(structure, group.blocks)
        else:
            _add_region(structure, group, body_height)
    return structure


def _with_geometry_tables(groups: list[Group]) -> list[Group]:
    """The groups with each table that geometry finds among lines outside table regions made a table
    group of its own, unless its lines come from text regions side by side (columns of prose). The
    layout model often takes a table for a figure, or cuts one into several regions."""
    lines = [(block, group) for group in groups if group.type in _MAY_HOLD_TABLES for block in group.blocks]
    found = []
    for table in find_tables([block for block, _ in lines]):
        members = [lines[i] for i in table.block_ids]
        text_regions = {id(group): group.bbox for _, group in members if group.type == "text"}
        if not _side_by_side(list(text_regions.values())):
            found.append(Group(Region("table", table.bbox, 1.0), [block for block, _ in members]))
    if not found:
        return groups
    taken = {id(block) for group in found for block in group.blocks}
    for group in groups:
        group.blocks = [block for block in group.blocks if id(block) not in taken]
    return [group for group in groups if group.blocks or group.region is not None] + found


def _side_by_side(boxes: list[list[float]]) -> bool:
    return any(a[2] <= b[0] or b[2] <= a[0] for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def _loose_merged(groups: list[Group]) -> list[Group]:
    """Consecutive groups of lines in no region joined into one."""
    merged: list[Group] = []
    for group in groups:
        if group.region is None and merged and merged[-1].region is None:
            merged[-1].blocks.extend(group.blocks)
        else:
            merged.append(group)
    return merged


def _add_region(structure: PageStructure, group: Group, body_height: float) -> None:
    """The region's elements. Text, figure, caption and reference regions are structured from their
    lines' geometry (tables too: the layout model often takes a table for a figure), without
    headings: those come from title regions."""
    kind = group.type
    if kind == "table":
        _add_table_region(structure, group)
        return
    if not group.blocks:
        return
    if kind not in ("header", "footer", "equation", "title"):
        _add_geometry_structure(structure, group.blocks, headings=False)
        return
    lines = [line for paragraph in paragraphs(group.blocks) for line in paragraph]
    texts = [line.text for line in lines]
    if kind == "title" and not (level := _title_level(group, lines, texts, body_height)):
        _add_geometry_structure(structure, group.blocks, headings=False)
        return
    structure.blocks.extend(block for line in lines for block in line.blocks)
    if kind == "title":
        structure.elements.append(Heading(level, " ".join(texts)))
    elif kind == "equation":
        structure.elements.append(Equation(texts))
    else:  # one line per block: the chat's passages leave these lines out
        structure.elements.append(Furniture(kind, [block.text for line in lines for block in line.blocks]))


def _title_level(group: Group, lines: list[Line], texts: list[str], body_height: float) -> int:
    """The heading level of a title region's lines, or 0 when they are no heading: too long, or
    neither confidently a title nor set taller than the body."""
    if len(lines) > _HEADING_MAX_LINES or sum(map(len, texts)) > _HEADING_MAX_CHARS:
        return 0
    level = _heading_level(lines, texts, body_height)
    assert group.region is not None
    return level or (_TITLE_LEVEL if group.region.confidence >= _TITLE_MIN_CONFIDENCE else 0)


def _add_table_region(structure: PageStructure, group: Group) -> None:
    """The table the model's grid gives, else the one geometry finds, else the lines as text."""
    assert group.region is not None
    rows, cells = filled_table(group.region.cells or [], group.blocks)
    if len(rows) >= 2 or (rows and len(rows[0]) >= 2):
        ids = list(range(len(group.blocks)))
        structure.tables.append(Table(list(group.bbox), rows, ids, cells))
        structure.elements.append(TableElement(rows, cells))
        structure.blocks.extend(_table_blocks(group.blocks, structure.tables[-1]))
    elif group.blocks:
        _add_geometry_structure(structure, group.blocks)


def _add_geometry_structure(structure: PageStructure, blocks: list[Block], headings: bool = True) -> None:
    """The blocks' tables, headings (from line height, where `headings`), lists and paragraphs."""
    tables = find_tables(blocks) if blocks else []
    stand_ins = [_stand_in(blocks, table) for table in tables]
    table_of = {id(stand_in): table for stand_in, table in zip(stand_ins, tables, strict=True)}
    grouped = paragraphs(_with_stand_ins(blocks, tables, stand_ins))
    body_height = _body_line_height(grouped, table_of)
    structure.tables.extend(tables)
    for paragraph in grouped:
        for part in _split_out_tables(paragraph, table_of):
            if isinstance(part, Table):
                structure.elements.append(TableElement(part.rows))
                structure.blocks.extend(_table_blocks(blocks, part))
            else:
                structure.elements.extend(_text_elements(part, body_height if headings else 0.0))
                structure.blocks.extend(block for line in part for block in line.blocks)


def _stand_in(blocks: list[Block], table: Table) -> Block:
    """One block standing for the whole table in the reading order. In a text layer's own
    order (every block has a paragraph) it takes the place of the table's first block."""
    members = [blocks[i] for i in table.block_ids]
    paragraph = -1 - min(table.block_ids) if all(b.paragraph is not None for b in members) else None
    return Block(text="", bbox=list(table.bbox), confidence=1.0, paragraph=paragraph)


def _with_stand_ins(blocks: list[Block], tables: list[Table], stand_ins: list[Block]) -> list[Block]:
    """The blocks outside tables, with each table's stand-in where the table's first block was or,
    when that is later, before the first block under the table (a PDF may draw a table last)."""
    in_tables = {i for table in tables for i in table.block_ids}
    place_of: dict[int, list[Block]] = {}
    for table, stand_in in zip(tables, stand_ins, strict=True):
        place_of.setdefault(_table_place(blocks, table, in_tables), []).append(stand_in)
    ordered: list[Block] = []
    for i, block in enumerate(blocks):
        ordered.extend(place_of.get(i, []))
        if i not in in_tables:
            ordered.append(block)
    return ordered + place_of.get(len(blocks), [])


def _table_place(blocks: list[Block], table: Table, in_tables: set[int]) -> int:
    """The index of the block the table's stand-in goes before."""
    first = min(table.block_ids)
    under = first_under(blocks[:first], table.bbox, in_tables)
    return first if under is None else under


def _body_line_height(grouped: list[list[Line]], table_of: dict[int, Table]) -> float:
    heights = [
        line.bottom - line.top
        for paragraph in grouped
        for line in paragraph
        if not any(id(block) in table_of for block in line.blocks)
    ]
    return median(heights) if heights else 0.0


def _split_out_tables(paragraph: list[Line], table_of: dict[int, Table]) -> list[list[Line] | Table]:
    """The paragraph's lines, with any table stand-in taken out as its table, in order."""
    if not table_of:
        return [paragraph]
    parts: list[list[Line] | Table] = []
    text_lines: list[Line] = []
    for line in paragraph:
        tables = [table_of[id(block)] for block in line.blocks if id(block) in table_of]
        others = [block for block in line.blocks if id(block) not in table_of]
        if others:
            text_lines.append(Line(others))
        if tables:
            if text_lines:
                parts.append(text_lines)
                text_lines = []
            parts.extend(tables)
    if text_lines:
        parts.append(text_lines)
    return parts


def _table_blocks(blocks: list[Block], table: Table) -> list[Block]:
    """The table's blocks row by row, left to right."""
    members = sorted((blocks[i] for i in table.block_ids), key=lambda b: (b.bbox[1] + b.bbox[3]) / 2)
    rows: list[list[Block]] = []
    for block in members:
        if rows and (block.bbox[1] + block.bbox[3]) / 2 < max(b.bbox[3] for b in rows[-1]):
            rows[-1].append(block)
        else:
            rows.append([block])
    return [block for row in rows for block in sorted(row, key=lambda b: b.bbox[0])]


def _text_elements(lines: list[Line], body_height: float) -> list[Element]:
    texts = [line.text for line in lines]
    if any(_LIST_MARKER.match(text) for text in texts):
        return _list_elements(texts)
    level = _heading_level(lines, texts, body_height)
    if level:
        return [Heading(level, " ".join(texts))]
    return [Paragraph(texts)]


def _heading_level(lines: list[Line], texts: list[str], body_height: float) -> int:
    """1-3 when the lines (whose texts are `texts`) are a heading, else 0."""
    if body_height <= 0 or len(lines) > _HEADING_MAX_LINES:
        return 0
    if sum(map(len, texts)) > _HEADING_MAX_CHARS:
        return 0
    heights = [line.bottom - line.top for line in lines]
    if max(heights) < _HEADING_RATIOS[-1] * body_height:
        return 0  # the common case, without the median's cost
    ratio = median(heights) / body_height
    for level, smallest in enumerate(_HEADING_RATIOS, start=1):
        if ratio >= smallest:
            return level
    return 0


def _list_elements(texts: list[str]) -> list[Element]:
    """Lines with list markers: each marker starts an item, the lines after it continue it;
    lines before the first marker stay a paragraph."""
    elements: list[Element] = []
    lead: list[str] = []
    for text in texts:
        marker = _LIST_MARKER.match(text)
        if marker:
            elements.append(ListItem(marker.group(1), text[marker.end() :]))
        elif elements and isinstance(elements[-1], ListItem):
            elements[-1].text += " " + text
        else:
            lead.append(text)
    return ([Paragraph(lead)] if lead else []) + elements
