"""Table detection from line boxes: synthetic OCR-like pages and a born-digital PDF made here."""

import pymupdf

from engines.types import Block
from pipelines.documents.tables import find_tables
from pipelines.documents.text_layer import TextLayerReader

LINE = 20  # line height in pixels
CHAR = 10  # character width in pixels

WORDS = "the quick brown fox jumps over a lazy dog while seven wizards quietly box and judge".split()


def box(text: str, x: float, y: float) -> Block:
    return Block(text=text, bbox=[x, y, x + CHAR * len(text), y + LINE], confidence=0.9)


def grid(rows: list[list[str]], xs: list[float], top: float, pitch: float = 30) -> list[Block]:
    """One block per non-empty cell, cells left-aligned at `xs`, rows `pitch` pixels apart."""
    return [
        box(text, x, top + r * pitch) for r, row in enumerate(rows) for x, text in zip(xs, row, strict=True) if text
    ]


def prose(left: float, right: float, top: float, lines: int) -> list[Block]:
    """A justified paragraph filling [left, right], its last line short."""
    blocks = []
    for i in range(lines):
        end = right if i < lines - 1 else left + (right - left) / 3
        words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(int((end - left) / CHAR / 6)))
        blocks.append(Block(text=words, bbox=[left, top + i * 24, end, top + i * 24 + LINE], confidence=0.9))
    return blocks


ROWS = [
    ["Variable", "Hazard ratio", "95% CI", "p"],
    ["Age", "1.000", "0.31-2.27", "0.716"],
    ["Gender", "0.839", "0.15-1.19", "0.142"],
    ["Tumour grade", "3.140", "0.92-10.7", "0.010"],
    ["Surgery", "1.267", "0.38-4.21", "0.936"],
]
XS = [100, 400, 600, 850]


def test_a_grid_of_cells_gives_its_rows_and_columns():
    blocks = grid(ROWS, XS, top=100)
    blocks.reverse()  # blocks come in no particular order
    (table,) = find_tables(blocks)
    assert table.rows == ROWS
    assert sorted(table.block_ids) == list(range(len(blocks)))
    assert table.bbox == [100, 100, 850 + 5 * CHAR, 100 + 4 * 30 + LINE]


def test_an_empty_cell_stays_empty():
    rows = [row[:] for row in ROWS]
    rows[2][2] = ""
    rows[4][1] = ""
    (table,) = find_tables(grid(rows, XS, top=100))
    assert table.rows == rows


def test_a_cell_wrapped_onto_two_lines_is_one_cell():
    blocks = grid(ROWS, XS, top=100, pitch=50)
    # "Tumour grade" continues on a line just below it, alone in its row.
    blocks.append(box("(G1 to G3)", 100, 100 + 3 * 50 + LINE + 2))
    (table,) = find_tables(blocks)
    assert len(table.rows) == len(ROWS)
    assert table.rows[3] == ["Tumour grade (G1 to G3)", "3.140", "0.92-10.7", "0.010"]


def test_a_header_spanning_columns_keeps_the_columns():
    rows = [["", "Ratio", "", "Range", ""], ["Age", "1.0", "1.2", "0.3", "2.2"], ["Sex", "0.8", "0.9", "0.1", "1.1"]]
    rows += [["Grade", "3.1", "3.3", "0.9", "10.1"], ["Site", "1.2", "1.4", "0.4", "4.2"]]
    xs = [100, 300, 450, 600, 750]
    blocks = grid(rows[1:], xs, top=140)
    blocks.append(box("Hazard ratio (model)", 300, 100))  # spans the two columns under it
    blocks.append(box("Range", 600, 100))
    (table,) = find_tables(blocks)
    assert len(table.rows[0]) == 5
    assert table.rows[0] == ["", "Hazard ratio (model)", "", "Range", ""]
    assert table.rows[1:] == rows[1:]


def test_single_column_prose_is_no_table():
    blocks = prose(100, 1100, 100, 12) + prose(100, 1100, 420, 9)
    blocks.append(box("12", 590, 1500))  # the page number
    blocks.append(box("1 Introduction", 100, 50))  # a heading
    assert find_tables(blocks) == []


def test_two_column_prose_is_no_table():
    blocks = prose(100, 580, 100, 30) + prose(620, 1100, 100, 18) + prose(620, 1100, 100 + 19 * 24, 11)
    assert find_tables(blocks) == []


def test_a_list_is_no_table():
    blocks = []
    for i in range(6):
        blocks.append(box("•", 100, 100 + i * 30))
        blocks.append(box(f"item number {i} of the shopping list", 130, 100 + i * 30))
    assert find_tables(blocks) == []


def test_prose_above_and_below_stays_out_of_the_table():
    above = prose(100, 1100, 100, 4)
    table_blocks = grid(ROWS, XS, top=220)
    below = prose(100, 1100, 400, 3)
    blocks = above + table_blocks + below
    (table,) = find_tables(blocks)
    first = len(above)
    assert table.block_ids == list(range(first, first + len(table_blocks)))
    assert table.rows == ROWS


def test_two_tables_on_a_page_come_top_to_bottom():
    blocks = grid(ROWS, XS, top=600) + prose(100, 1100, 400, 4) + grid(ROWS[:3], [100, 300, 500, 700], top=100)
    tables = find_tables(blocks)
    assert [len(table.rows) for table in tables] == [3, 5]
    assert tables[0].bbox[1] < tables[1].bbox[1]


def test_a_born_digital_table_is_read_from_the_text_layer():
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text(
        (72, 100), "Quarterly results of the regional offices are summarised in the table below.", fontsize=10
    )
    rows = [["Region", "Revenue", "Growth"], ["North", "1,204", "3.1%"], ["South", "987", "-0.4%"]]
    rows += [["East", "2,310", "12.9%"], ["West", "", "1.0%"]]
    for r, row in enumerate(rows):
        for x, text in zip((72, 220, 340), row, strict=True):
            if text:
                page.insert_text((x, 130 + 16 * r), text, fontsize=10)
    page.insert_text(
        (72, 230), "All figures are in thousands of euros and unaudited at the time of writing.", fontsize=10
    )
    result = TextLayerReader(doc).read(page, 200 / 72)
    assert result is not None
    (table,) = find_tables(result.blocks)
    assert table.rows == rows
    assert [result.blocks[i].text for i in table.block_ids][:3] == ["Region", "Revenue", "Growth"]
    assert not any("Quarterly" in result.blocks[i].text or "euros" in result.blocks[i].text for i in table.block_ids)


def test_too_few_cells_is_no_table():
    assert find_tables(grid([row[:2] for row in ROWS[:2]], XS[:2], top=100)) == []
    assert find_tables([]) == []
