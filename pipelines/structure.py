"""A page's structure from its line boxes: headings, paragraphs, list items and tables, in
reading order. Markdown, Word and the job's `text` are all written from it.

Tables are found first (`pipelines.tables`) and stand in the reading order as one box each,
so that their columns are not read as text columns. Headings are short paragraphs set in
lines clearly taller than the page's body text; list items start with a bullet or a number.
"""

import re
from dataclasses import dataclass, field
from statistics import median

from engines.types import Block
from pipelines.layout import Line, paragraphs
from pipelines.tables import Table, find_tables

# A paragraph of lines this much taller than the body's is a heading; the ratios are the
# smallest for levels 1, 2 and 3.
_HEADING_RATIOS = (1.8, 1.45, 1.25)
_HEADING_MAX_LINES = 3
_HEADING_MAX_CHARS = 150
# A bullet or a number ("3.", "3)", "a)") followed by a space starts a list item.
_LIST_MARKER = re.compile(r"^\s*([•●▪■◦○·\-–*]|\d{1,3}[.)]|[a-z][)])\s+(?=\S)")


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


Element = Heading | Paragraph | ListItem | TableElement


@dataclass
class PageStructure:
    elements: list[Element] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)  # every line block, in reading order
    tables: list[Table] = field(default_factory=list)


def page_structure(blocks: list[Block]) -> PageStructure:
    tables = find_tables(blocks) if blocks else []
    stand_ins = [_stand_in(blocks, table) for table in tables]
    table_of = {id(stand_in): table for stand_in, table in zip(stand_ins, tables, strict=True)}
    grouped = paragraphs(_with_stand_ins(blocks, tables, stand_ins))
    body_height = _body_line_height(grouped, table_of)
    structure = PageStructure(tables=tables)
    for paragraph in grouped:
        for part in _split_out_tables(paragraph, table_of):
            if isinstance(part, Table):
                structure.elements.append(TableElement(part.rows))
                structure.blocks.extend(_table_blocks(blocks, part))
            else:
                structure.elements.extend(_text_elements(part, body_height))
                structure.blocks.extend(block for line in part for block in line.blocks)
    return structure


def _stand_in(blocks: list[Block], table: Table) -> Block:
    """One block standing for the whole table in the reading order. In a text layer's own
    order (every block has a paragraph) it takes the place of the table's first block."""
    members = [blocks[i] for i in table.block_ids]
    paragraph = -1 - min(table.block_ids) if all(b.paragraph is not None for b in members) else None
    return Block(text="", bbox=list(table.bbox), confidence=1.0, paragraph=paragraph)


def _with_stand_ins(blocks: list[Block], tables: list[Table], stand_ins: list[Block]) -> list[Block]:
    """The blocks outside tables, with each table's stand-in where the table's first block was."""
    first_of = {min(table.block_ids): stand_in for table, stand_in in zip(tables, stand_ins, strict=True)}
    in_tables = {i for table in tables for i in table.block_ids}
    return [first_of.get(i, block) for i, block in enumerate(blocks) if i not in in_tables or i in first_of]


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
