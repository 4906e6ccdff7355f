"""The markup VLMs write, turned into lines, tables and Markdown: OTSL table tokens, HTML tables,
LaTeX delimiters, Markdown escaping. Pure functions on strings."""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# PaddleOCR-VL's OTSL table tokens: a cell with text, an empty cell, a cell merged into its left,
# upper, or left-and-upper neighbour, and the end of a row.
OTSL_TOKENS = ("<fcel>", "<ecel>", "<lcel>", "<ucel>", "<xcel>", "<nl>")
_OTSL_CELL = re.compile(r"<(fcel|ecel|lcel|ucel|xcel)>")
_HTML_TABLE = re.compile(r"<table\b.*?</table>", re.IGNORECASE | re.DOTALL)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_LINE_START_MARKER = re.compile(r"^(\s*)(#|[-+](?=\s))")
_LINE_START_NUMBER = re.compile(r"^(\s*\d+)([.)])(?=\s)")
_MATH_DELIMITERS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))


@dataclass(frozen=True)
class Span:
    """A stretch of text and where it lies in the model's raw output (`start` inclusive, `end` exclusive)."""

    text: str
    start: int
    end: int


def text_lines(text: str, offset: int = 0) -> list[Span]:
    """The non-blank lines of `text`, stripped, with their offsets (plus `offset`) in it."""
    spans = []
    position = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = position + line.index(stripped)
            spans.append(Span(stripped, offset + start, offset + start + len(stripped)))
        position += len(line) + 1
    return spans


def has_otsl(text: str) -> bool:
    return _OTSL_CELL.search(text) is not None


def otsl_rows(text: str, offset: int = 0) -> list[tuple[list[str], int, int]]:
    """Rows of an OTSL table as (cells, start, end). A merged cell (`<lcel>`, `<ucel>`, `<xcel>`) is
    an empty string, so every row keeps its grid positions; rows are padded to the widest."""
    rows = []
    position = 0
    for chunk in re.split(r"(<nl>|\n)", text):
        if chunk in ("<nl>", "\n"):
            position += len(chunk)
            continue
        cells = _otsl_cells(chunk)
        if cells:
            stripped = chunk.strip()
            start = offset + position + chunk.index(stripped)
            rows.append((cells, start, start + len(stripped)))
        position += len(chunk)
    width = max((len(cells) for cells, _, _ in rows), default=0)
    return [(cells + [""] * (width - len(cells)), start, end) for cells, start, end in rows]


def _otsl_cells(chunk: str) -> list[str]:
    """The cells of one OTSL row; text before the first tag, and after a tag other than `<fcel>`, is stray."""
    parts = _OTSL_CELL.split(chunk)  # [before, tag, text, tag, text, ...]
    return [text.strip() if tag == "fcel" else "" for tag, text in zip(parts[1::2], parts[2::2], strict=True)]


class _TableParser(HTMLParser):
    """Rows of cell texts of one HTML table; rowspan/colspan leave empty cells in the spanned positions."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._spans: dict[tuple[int, int], bool] = {}
        self._cell: list[str] | None = None
        self._cell_span = (1, 1)
        self._row_open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._close_cell()
            self.rows.append([])
            self._row_open = True
        elif tag in ("td", "th"):
            self._close_cell()
            if not self._row_open:
                self.rows.append([])
                self._row_open = True
            values = dict(attrs)
            self._cell = []
            self._cell_span = (_span_value(values.get("rowspan")), _span_value(values.get("colspan")))
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._close_cell()
        elif tag == "tr":
            self._close_cell()
            self._row_open = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _close_cell(self) -> None:
        if self._cell is None:
            return
        row_index = len(self.rows) - 1
        row = self.rows[row_index]
        while self._spans.pop((row_index, len(row)), False):
            row.append("")
        row.append(" ".join("".join(self._cell).split()))
        rowspan, colspan = self._cell_span
        column = len(row) - 1
        row.extend([""] * (colspan - 1))
        for r in range(1, rowspan):
            for c in range(colspan):
                self._spans[(row_index + r, column + c)] = True
        self._cell = None

    def close(self) -> None:
        self._close_cell()
        super().close()


def _span_value(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100))
    except ValueError:
        return 1


def html_table_rows(html: str) -> list[list[str]]:
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    rows = [row for row in parser.rows if row]
    width = max((len(row) for row in rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows]


def html_tables(text: str) -> list[tuple[list[list[str]], int, int]]:
    """Each `<table>...</table>` in `text` as (rows, start, end)."""
    return [(html_table_rows(m.group(0)), m.start(), m.end()) for m in _HTML_TABLE.finditer(text)]


def strip_math(text: str) -> str:
    """LaTeX without its display or inline delimiters."""
    stripped = text.strip()
    for opening, closing in _MATH_DELIMITERS:
        if stripped.startswith(opening) and stripped.endswith(closing) and len(stripped) >= len(opening + closing):
            return stripped[len(opening) : len(stripped) - len(closing)].strip()
    return stripped


def display_math(latex: str) -> str:
    return f"$$\n{latex}\n$$"


def escape_markdown(text: str) -> str:
    """Recognised text made safe to put in Markdown: inline specials escaped, and line starts that
    would become headings, list items or quotes."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    escaped = _LINE_START_MARKER.sub(r"\1\\\2", escaped)
    return _LINE_START_NUMBER.sub(r"\1\\\2", escaped)


def pipe_table(rows: list[list[str]]) -> str:
    """A Markdown pipe table; the first row is the header."""
    if not rows:
        return ""

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(escape_markdown(cell).replace("\n", " ") for cell in cells) + " |"

    header, *body = rows
    return "\n".join([line(header), "| " + " | ".join("---" for _ in header) + " |", *map(line, body)])


def plain_markdown_line(line: str) -> str:
    """The text of a line of Markdown, without heading or list-item markers and emphasis."""
    text = re.sub(r"^\s*#{1,6}\s+", "", line)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    return text.strip()
