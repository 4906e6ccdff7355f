"""Reading order and paragraphs from line boxes."""

from engines.reading_order import paragraphs, reading_order
from engines.types import Block


def line(text: str, x0: float, y0: float, x1: float, y1: float) -> Block:
    return Block(text=text, bbox=[x0, y0, x1, y1], confidence=1.0)


def texts(blocks: list[Block]) -> list[str]:
    return [block.text for block in blocks]


def test_lines_whose_boxes_touch_stay_in_top_down_order():
    blocks = [line("second", 30, 120, 600, 156), line("first", 33, 84, 584, 122), line("third", 33, 155, 226, 189)]
    assert texts(reading_order(blocks)) == ["first", "second", "third"]


def test_two_columns_under_a_heading_are_read_column_by_column():
    blocks = [
        line("Heading across both columns", 100, 0, 900, 40),
        line("left 1", 100, 100, 480, 140),
        line("right 1", 520, 100, 900, 140),
        line("left 2", 100, 150, 480, 190),
        line("right 2", 520, 150, 900, 190),
    ]
    assert texts(reading_order(blocks)) == ["Heading across both columns", "left 1", "left 2", "right 1", "right 2"]


def test_a_wide_vertical_gap_starts_a_paragraph():
    blocks = [line("a", 0, 0, 300, 30), line("b", 0, 35, 300, 65), line("c", 0, 120, 300, 150)]
    assert [[ln.text for ln in paragraph] for paragraph in paragraphs(blocks)] == [["a", "b"], ["c"]]


def test_words_on_one_line_read_left_to_right():
    blocks = [line("Total:", 0, 0, 100, 30), line("USD", 300, 2, 360, 30), line("215.00", 120, 0, 220, 31)]
    assert texts(reading_order(blocks)) == ["Total:", "215.00", "USD"]


def test_a_short_line_ends_its_paragraph():
    blocks = [
        line("a full line of text", 0, 0, 600, 30),
        line("short end.", 0, 35, 150, 65),
        line("next paragraph", 0, 70, 590, 100),
    ]
    assert [[ln.text for ln in paragraph] for paragraph in paragraphs(blocks)] == [
        ["a full line of text", "short end."],
        ["next paragraph"],
    ]


def test_a_caption_across_the_gutter_does_not_merge_the_columns():
    blocks = [line(f"left {i}", 100, 100 + 50 * i, 480, 140 + 50 * i) for i in range(10)]
    blocks += [line(f"right {i}", 520, 100 + 50 * i, 900, 140 + 50 * i) for i in range(10)]
    blocks.append(line("caption across the gutter", 400, 620, 600, 650))
    order = texts(reading_order(blocks))
    assert order[:10] == [f"left {i}" for i in range(10)]
    assert order.index("right 0") > order.index("left 9")


def test_a_narrow_margin_strip_is_not_a_column():
    blocks = [line("54", 0, 0, 30, 30)] + [line(f"line {i}", 100, 40 * i, 900, 40 * i + 30) for i in range(20)]
    assert texts(reading_order(blocks))[1:] == [f"line {i}" for i in range(20)]
