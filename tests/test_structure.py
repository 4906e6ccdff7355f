"""Page structure from line boxes, and the Markdown and text written from it."""

from engines.types import Block
from pipelines.documents.page_markdown import page_markdown, page_text
from pipelines.documents.structure import Heading, ListItem, Paragraph, TableElement, page_structure


def line(text: str, x: float, y: float, height: float = 20, width: float | None = None) -> Block:
    return Block(text, [x, y, x + (width or 12 * len(text)), y + height], 0.99)


def body(lines: list[str], top: float) -> list[Block]:
    """Lines of body text, 20 px high, 26 px apart, filling a 900 px column."""
    return [line(text, 100, top + 26 * n, width=900) for n, text in enumerate(lines)]


def test_tall_short_lines_are_headings_by_size():
    blocks = [
        line("Annual Report", 100, 40, height=44),
        *body(["one two three four", "five six seven eight"], 120),
        line("Results", 100, 220, height=30),
        *body(["nine ten eleven", "twelve thirteen"], 280),
    ]
    elements = page_structure(blocks).elements
    assert elements == [
        Heading(1, "Annual Report"),
        Paragraph(["one two three four", "five six seven eight"]),
        Heading(2, "Results"),
        Paragraph(["nine ten eleven", "twelve thirteen"]),
    ]
    assert page_markdown(elements).startswith(
        "# Annual Report\n\none two three four\nfive six seven eight\n\n## Results"
    )


def test_bullets_and_numbers_make_list_items_with_their_continuations():
    blocks = body(["Steps to follow:", "1. open the box", "and take out the parts", "2. read the manual"], 100)
    elements = page_structure(blocks).elements
    assert elements == [
        Paragraph(["Steps to follow:"]),
        ListItem("1.", "open the box and take out the parts"),
        ListItem("2.", "read the manual"),
    ]
    assert page_markdown(elements) == "Steps to follow:\n\n1. open the box and take out the parts\n2. read the manual"
    bullets = page_structure(body(["• red apples", "• green pears"], 100)).elements
    assert page_markdown(bullets) == "- red apples\n- green pears"


def test_a_table_between_paragraphs_becomes_a_markdown_table_in_place():
    cells = [["Name", "Qty", "Price"], ["Apples", "3", "1.20"], ["Pears", "12", "0.80"], ["Plums", "7", "2.10"]]
    table = [
        line(text, 100 + 300 * col, 200 + 30 * row) for row, texts in enumerate(cells) for col, text in enumerate(texts)
    ]
    blocks = body(["The prices were these."], 100) + table + body(["That is all."], 400)
    structure = page_structure(blocks)
    assert structure.elements == [
        Paragraph(["The prices were these."]),
        TableElement(cells),
        Paragraph(["That is all."]),
    ]
    markdown = page_markdown(structure.elements)
    assert "| Name | Qty | Price |\n|---|---|---|\n| Apples | 3 | 1.20 |" in markdown
    assert page_text(structure.elements).splitlines()[2] == "Name\tQty\tPrice"
    assert [b.text for b in structure.blocks][1:4] == ["Name", "Qty", "Price"]
    assert len(structure.blocks) == len(blocks)


def test_markdown_syntax_in_recognised_text_is_escaped():
    elements = page_structure(body(["# not a heading", "a | b * c"], 100)).elements
    assert page_markdown(elements) == "\\# not a heading\na \\| b \\* c"
