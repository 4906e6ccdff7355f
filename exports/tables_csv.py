"""The `csv` export: the tables found in the document, one block per table.

Each block starts with a row naming its page and table (`Page 2, table 1`), then the table's
rows; blocks are a blank line apart. A document without tables gives its text lines instead
(`page,line,text`), so the download is never empty by surprise. No cell is a formula to a
spreadsheet: one that would be is written as text.
"""

import re
from collections.abc import Iterator

import polars as pl

# A cell starting with one of these is a formula to a spreadsheet (CSV injection), unless it is a
# plain number: such a cell is written after a `'`, which spreadsheets show as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d[\d,]*(\.\d+)?%?|[+-]?\.\d+%?")


def job_csv(job: dict) -> Iterator[str]:
    """The CSV text, streamed table by table."""
    found = False
    for page in job["pages"]:
        for number, table in enumerate(page.get("tables", []), start=1):
            yield ("\n" if found else "") + _csv([[f"Page {page['index'] + 1}, table {number}"]])
            yield _csv(table["rows"])
            found = True
    if not found:
        yield from _text_lines(job)


def _text_lines(job: dict) -> Iterator[str]:
    yield _csv([["page", "line", "text"]])
    for page in job["pages"]:
        lines = [line for line in page["text"].splitlines() if line.strip()]
        if lines:
            yield _csv([[str(page["index"] + 1), str(number), line] for number, line in enumerate(lines, start=1)])


def _csv(rows: list[list[str]]) -> str:
    width = max(len(row) for row in rows)
    columns = [f"column_{i}" for i in range(width)]
    cells = [[_as_text(cell) for cell in row] + [""] * (width - len(row)) for row in rows]
    frame = pl.DataFrame(cells, schema=columns, orient="row")
    return frame.write_csv(include_header=False)


def _as_text(cell: str) -> str:
    if cell.startswith(_FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell
