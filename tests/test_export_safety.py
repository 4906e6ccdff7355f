"""Exports of text a document controls: CSV cells that a spreadsheet would run, control
characters that Word cannot hold."""

import csv
import io

import docx

from exports.tables_csv import job_csv
from exports.word import job_docx


def _job(rows: list[list[str]] | None = None, markdown: str = "") -> dict:
    page = {"index": 0, "text": markdown, "markdown": markdown, "blocks": [], "tables": []}
    if rows is not None:
        page["tables"] = [{"bbox": [0, 0, 1, 1], "rows": rows}]
    return {"pages": [page]}


def test_csv_cells_that_are_formulas_are_written_as_text():
    rows = [
        ['=HYPERLINK("http://x","y")', "@SUM(A1:A2)", "-2+3", "+cmd", "\tstart"],
        ["-12.5", "+3", "1,200", "-7%", "a=b"],
    ]
    table = list(csv.reader(io.StringIO("".join(job_csv(_job(rows))))))[1:]
    assert table[0] == ['\'=HYPERLINK("http://x","y")', "'@SUM(A1:A2)", "'-2+3", "'+cmd", "'\tstart"]
    assert table[1] == ["-12.5", "+3", "1,200", "-7%", "a=b"]  # numbers and plain text unchanged


def test_text_lines_of_a_page_without_tables_are_guarded_too():
    lines = list(csv.reader(io.StringIO("".join(job_csv(_job(markdown="=1+1\nplain"))))))
    assert lines == [["page", "line", "text"], ["1", "1", "'=1+1"], ["1", "2", "plain"]]


def test_word_export_drops_characters_xml_cannot_hold():
    data = job_docx(_job(markdown="Total\x00 due\x0b: 12\x1f EUR\n\nNext\x08 line"))
    paragraphs = [paragraph.text for paragraph in docx.Document(io.BytesIO(data)).paragraphs]
    assert "Total due: 12 EUR" in paragraphs and "Next line" in paragraphs
