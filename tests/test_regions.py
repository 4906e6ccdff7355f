"""Reading order by layout region and tables from a model's grid, on hand-made boxes (no model)."""

from engines.types import Block, Region, TableCell
from pipelines.documents.page_markdown import page_markdown, page_text
from pipelines.documents.structure import Equation, Furniture, Heading, Paragraph, TableElement, page_structure


def line(text: str, x0: float, y0: float, x1: float, height: float = 20) -> Block:
    return Block(text, [x0, y0, x1, y0 + height], 0.95)


def column(prefix: str, x0: float, x1: float, top: float, count: int) -> list[Block]:
    return [line(f"{prefix} {number}", x0, top + 30 * number, x1) for number in range(count)]


def test_columns_are_read_one_after_the_other_and_a_crossing_figure_does_not_join_them():
    left, right = column("left", 100, 480, 200, 10), column("right", 540, 920, 200, 10)
    caption = line("Figure 1: the harbour", 400, 520, 620)
    regions = [
        Region("title", [100, 100, 920, 140], 0.9),
        Region("text", [100, 200, 480, 490], 0.95),
        Region("text", [540, 200, 920, 490], 0.95),
        Region("figure_caption", [390, 515, 630, 545], 0.9),
        Region("footer", [100, 1300, 300, 1330], 0.8),
    ]
    blocks = [line("7", 100, 1305, 120), *right, caption, *left, line("The Harbour", 100, 105, 500, 35)]
    structure = page_structure(blocks, regions, page_height=1400)
    order = [block.text for block in structure.blocks]
    assert order[0] == "The Harbour" and order[-1] == "7"
    assert order.index("left 9") < order.index("right 0")
    assert isinstance(structure.elements[0], Heading)
    assert isinstance(structure.elements[-1], Furniture)
    assert "7" in page_text(structure.elements) and "7" not in page_markdown(structure.elements).splitlines()
    assert {block.type for block in structure.blocks} == {"title", "text", "figure_caption", "footer"}


def test_an_equation_region_is_kept_out_of_the_paragraph_around_it():
    blocks = [line("We have", 100, 100, 400), line("E = m c 2", 200, 130, 300), line("so it holds.", 100, 160, 400)]
    regions = [
        Region("text", [90, 95, 410, 122], 0.9),
        Region("equation", [190, 126, 310, 152], 0.9),
        Region("text", [90, 155, 410, 182], 0.9),
    ]
    elements = page_structure(blocks, regions).elements
    assert [type(e) for e in elements] == [Paragraph, Equation, Paragraph]


def test_a_table_region_is_filled_from_its_grid_with_spans():
    grid = [
        TableCell(0, 0, 2, 1, [100, 100, 200, 160]),
        TableCell(0, 1, 1, 2, [200, 100, 400, 130]),
        TableCell(1, 1, 1, 1, [200, 130, 300, 160]),
        TableCell(1, 2, 1, 1, [300, 130, 400, 160]),
        TableCell(2, 0, 1, 1, [100, 160, 200, 190]),
        TableCell(2, 1, 1, 1, [200, 160, 300, 190]),
        TableCell(2, 2, 1, 1, [300, 160, 400, 190]),
        TableCell(3, 0, 1, 1, [100, 190, 200, 220]),  # a row the model predicts but nothing fills
    ]
    texts = [("Group", 105, 120), ("Results", 250, 105), ("Mean", 210, 135), ("SD", 310, 135)]
    texts += [("A", 105, 165), ("1.5", 210, 165), ("0.2", 310, 165)]
    blocks = [line(text, x, y, x + 60, 20) for text, x, y in texts]
    structure = page_structure(blocks, [Region("table", [100, 100, 400, 220], 0.9, grid)])
    (table,) = structure.tables
    assert table.rows == [["Group", "Results", ""], ["", "Mean", "SD"], ["A", "1.5", "0.2"]]
    spans = {cell.text: (cell.row_span, cell.col_span) for cell in table.cells}
    assert spans["Group"] == (2, 1) and spans["Results"] == (1, 2)
    (element,) = structure.elements
    assert isinstance(element, TableElement)
    markdown = page_markdown(structure.elements)
    assert '<th rowspan="2">Group</th><th colspan="2">Results</th>' in markdown
    assert "<tr><td>Mean</td><td>SD</td></tr>" in markdown


def test_a_table_drawn_last_in_a_text_layer_stands_where_it_is_on_the_page():
    blocks = [Block("Intro paragraph above.", [100, 100, 600, 120], 1.0, paragraph=0)]
    blocks.append(Block("Text under the table.", [100, 400, 600, 420], 1.0, paragraph=1))
    for row in range(3):
        for col in range(3):
            box = [100 + 200 * col, 200 + 40 * row, 180 + 200 * col, 220 + 40 * row]
            blocks.append(Block(f"r{row}c{col}", box, 1.0, paragraph=2 + row))
    elements = page_structure(blocks).elements
    assert [type(e) for e in elements] == [Paragraph, TableElement, Paragraph]
