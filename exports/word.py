"""The `docx` export: one Word section per page, written from the page's Markdown.

The page Markdown is our own (headings, paragraphs, lists, pipe tables, HTML tables where cells
span; see `pipelines.documents.page_markdown`); markdown-it parses it back, escapes and all, into Word headings,
paragraphs, list paragraphs and tables, with spanning cells merged.
"""

import io
import re
from html.parser import HTMLParser

from docx import Document
from docx.enum.section import WD_SECTION
from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("commonmark").enable("table")
_LIST_STYLES = {"bullet_list_open": "List Bullet", "ordered_list_open": "List Number"}
# Characters that XML 1.0 (and so Word) cannot hold; a PDF's text layer may carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def job_docx(job: dict) -> bytes:
    document = Document()
    for number, page in enumerate(job["pages"]):
        if number:
            document.add_section(WD_SECTION.NEW_PAGE)
        if page.get("error"):
            document.add_paragraph(_NOT_XML.sub("", f"[Page {page['index'] + 1} could not be read: {page['error']}]"))
        else:
            _add_markdown(document, _NOT_XML.sub("", page["markdown"]))
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
        elif token.type == "html_block" and token.content.lstrip().startswith("<table>"):
            _add_html_table(document, token.content)
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


class _HtmlCells(HTMLParser):
    """The cells of one of our HTML tables as (row, col, row_span, col_span, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[int, int, int, int, str]] = []
        self._taken: set[tuple[int, int]] = set()
        self._row = -1
        self._col = 0
        self._text: list[str] | None = None
        self._spans = (1, 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._row, self._col = self._row + 1, 0
        elif tag in ("td", "th"):
            values = dict(attrs)
            self._spans = (int(values.get("rowspan") or 1), int(values.get("colspan") or 1))
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("td", "th") or self._text is None:
            return
        while (self._row, self._col) in self._taken:
            self._col += 1
        rows, cols = self._spans
        self.cells.append((self._row, self._col, rows, cols, "".join(self._text)))
        self._taken.update((self._row + r, self._col + c) for r in range(rows) for c in range(cols))
        self._col += cols
        self._text = None


def _add_html_table(document, markup: str) -> None:
    parser = _HtmlCells()
    parser.feed(markup)
    if not parser.cells:
        return
    height = max(row + rows for row, _, rows, _, _ in parser.cells)
    width = max(col + cols for _, col, _, cols, _ in parser.cells)
    table = document.add_table(rows=height, cols=width, style="Table Grid")
    for row, col, rows, cols, text in parser.cells:
        cell = table.cell(row, col)
        if rows > 1 or cols > 1:
            cell = cell.merge(table.cell(row + rows - 1, col + cols - 1))
        cell.text = text


def _inline_text(token: Token) -> str:
    """The plain text of an inline token: escapes resolved, soft breaks as line breaks."""
    parts = []
    for child in token.children or []:
        if child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        else:
            parts.append(child.content)
    return "".join(parts)
