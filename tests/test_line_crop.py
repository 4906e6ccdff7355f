"""A line's crop for Tesseract: its box with a margin, and none of the neighbouring lines' ink that reaches
into that margin (Sinhala and Malayalam vowel signs above and below a line)."""

import numpy as np

from engines.script_evidence import crop_line


def _page_with_two_lines() -> np.ndarray:
    page = np.full((100, 200, 3), 255, dtype=np.uint8)
    page[20:48] = 0  # the line above, whose box reaches down to row 48
    page[50:80, 10:190] = 0  # the line cropped
    return page


def test_a_crop_leaves_out_the_line_above_where_its_box_reaches_into_the_margin() -> None:
    page = _page_with_two_lines()
    line, above = [10.0, 50.0, 190.0, 80.0], [0.0, 20.0, 200.0, 48.0]
    alone = crop_line(page, line)
    blanked = crop_line(page, line, neighbours=[above])
    assert alone.shape == blanked.shape
    assert (alone[:3] == 0).any()  # the margin above the box takes in the line above
    assert (blanked[:3] == 255).all()
    assert (blanked[5:-5] == alone[5:-5]).all()  # the line itself is untouched


def test_a_neighbour_overlapping_the_box_keeps_the_lines_own_pixels() -> None:
    page = _page_with_two_lines()
    line, overlapping = [10.0, 50.0, 190.0, 80.0], [0.0, 20.0, 200.0, 55.0]
    blanked = crop_line(page, line, neighbours=[overlapping])
    top = int(50 - 0.15 * 30)
    assert (blanked[50 - top : 55 - top, 6:-6] == 0).all()  # inside its own box: kept
