"""Markdown and plain text of a page from its structure (`pipelines.documents.structure`).

Plain text keeps every line, running headers and footers included; Markdown leaves those out.
A table whose cells span rows or columns is written in Markdown as an HTML table (a pipe table
cannot span); other tables as pipe tables.
"""

import html
import re
from collections.abc import Callable

from pipelines.documents.structure import Element, Equation, Furniture, Heading, ListItem, Paragraph, TableElement
from pipelines.documents.table_cells import FilledCell

# Characters that would turn a line of recognised text into Markdown syntax.
_LEADING_SYNTAX = re.compile(r"^(\s*)([#>+\-*=|])")
# "1." or "1)" then a space would start a numbered list; "1.20" would not.
_LEADING_NUMBER = re.compile(r"^(\s*\d+)([.)])(?=\s|$)")
_INLINE_SYNTAX = re.compile(r"([\\`*_\[\]<>|])")
_LEADING_ANY = re.compile(f"{_LEADING_SYNTAX.pattern}|{_LEADING_NUMBER.pattern}")


def escape_markdown(text: str) -> str:
    if not _INLINE_SYNTAX.search(text) and not _LEADING_ANY.match(text):
        return text  # most lines: two quick checks instead of three substitutions
    text = _INLINE_SYNTAX.sub(r"\\\1", text)
    text = _LEADING_NUMBER.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return _LEADING_SYNTAX.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def page_text(elements: list[Element]) -> str:
    """One line per text line, a blank line between paragraphs; table cells are tab-separated."""
    return _joined(elements, _element_text)


def page_markdown(elements: list[Element]) -> str:
    return _joined([element for element in elements if not isinstance(element, Furniture)], _element_markdown)


def _joined(elements: list[Element], render: Callable[[Element], str]) -> str:
    """Elements a blank line apart, except items of one list, which stay together."""
    parts: list[str] = []
    for previous, element in zip([None, *elements], elements, strict=False):
        if parts:
            parts.append("\n" if isinstance(previous, ListItem) and isinstance(element, ListItem) else "\n\n")
        parts.append(render(element))
    return "".join(parts)


def _element_text(element: Element) -> str:
    match element:
        case Heading(text=text):
            return text
        case Paragraph(lines=lines) | Equation(lines=lines) | Furniture(lines=lines):
            return "\n".join(lines)
        case ListItem(marker=marker, text=text):
            return f"{marker} {text}"
        case TableElement(rows=rows):
            return "\n".join("\t".join(row) for row in rows)
    raise TypeError(element)


def _element_markdown(element: Element) -> str:
    match element:
        case Heading(level=level, text=text):
            return "#" * level + " " + escape_markdown(text)
        case Paragraph(lines=lines) | Equation(lines=lines):
            return "\n".join(escape_markdown(line) for line in lines)
        case ListItem(marker=marker, text=text):
            return _list_prefix(marker) + escape_markdown(text)
        case TableElement(cells=cells) if cells and any(c.row_span > 1 or c.col_span > 1 for c in cells):
            return html_table(cells)
        case TableElement(rows=rows):
            return _table_markdown(rows)
    raise TypeError(element)


def _list_prefix(marker: str) -> str:
    """`3.` for a numbered item, `- ` for a bullet; a lettered item keeps its letter."""
    if marker[:-1].isdigit():
        return f"{marker[:-1]}. "
    return f"- {marker} " if marker[0].isalpha() else "- "


def _table_markdown(rows: list[list[str]]) -> str:
    """A pipe table; its first row is the header (Markdown tables must have one)."""
    cells = [[escape_markdown(cell).replace("\n", " ") for cell in row] for row in rows]
    lines = ["| " + " | ".join(row) + " |" for row in cells]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    return "\n".join(lines)


def html_table(cells: list[FilledCell]) -> str:
    """An HTML table with the cells' spans, one `<tr>` line per row; the first row's cells are `<th>`."""
    rows: dict[int, list[FilledCell]] = {}
    for cell in sorted(cells, key=lambda c: (c.row, c.col)):
        rows.setdefault(cell.row, []).append(cell)
    lines = ["<table>"]
    for number in sorted(rows):
        tag = "th" if number == 0 else "td"
        lines.append("<tr>" + "".join(_html_cell(cell, tag) for cell in rows[number]) + "</tr>")
    lines.append("</table>")
    return "\n".join(lines)


def _html_cell(cell: FilledCell, tag: str) -> str:
    spans = (f' rowspan="{cell.row_span}"' if cell.row_span > 1 else "") + (
        f' colspan="{cell.col_span}"' if cell.col_span > 1 else ""
    )
    return f"<{tag}{spans}>{html.escape(cell.text)}</{tag}>"
