"""The `docx` export: one Word section per page, written from the page's Markdown.

The page Markdown is our own (headings, paragraphs, lists, pipe tables; see
`exports.markdown`); markdown-it parses it back, escapes and all, into Word headings,
paragraphs, list paragraphs and tables.
"""

import io

from docx import Document
from docx.enum.section import WD_SECTION
from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("commonmark").enable("table")
_LIST_STYLES = {"bullet_list_open": "List Bullet", "ordered_list_open": "List Number"}


def job_docx(job: dict) -> bytes:
    document = Document()
    for number, page in enumerate(job["pages"]):
        if number:
            document.add_section(WD_SECTION.NEW_PAGE)
        if page.get("error"):
            document.add_paragraph(f"[Page {page['index'] + 1} could not be read: {page['error']}]")
        else:
            _add_markdown(document, page["markdown"])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_markdown(document, markdown: str) -> None:
    tokens = _PARSER.parse(markdown)
    list_styles: list[str] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if token.type in _LIST_STYLES:
            list_styles.append(_LIST_STYLES[token.type])
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_styles.pop()
        elif token.type == "heading_open":
            document.add_heading(_inline_text(tokens[position + 1]), level=int(token.tag[1]))
            position += 1
        elif token.type == "paragraph_open":
            style = list_styles[-1] if list_styles else None
            document.add_paragraph(_inline_text(tokens[position + 1]), style=style)
            position += 1
        elif token.type == "table_open":
            position = _add_table(document, tokens, position)
        position += 1


def _add_table(document, tokens: list[Token], position: int) -> int:
    """Add the table that starts at `position`; returns the position of its closing token."""
    rows: list[list[str]] = []
    while tokens[position].type != "table_close":
        token = tokens[position]
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline":
            rows[-1].append(_inline_text(token))
        position += 1
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width, style="Table Grid")
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, cells, strict=False):
            cell.text = text
    return position


def _inline_text(token: Token) -> str:
    """The plain text of an inline token: escapes resolved, soft breaks as line breaks."""
    parts = []
    for child in token.children or []:
        if child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        else:
            parts.append(child.content)
    return "".join(parts)
