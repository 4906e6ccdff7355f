"""The `pages=` field: ranges as people write them, and clear errors."""

import pytest

from pipelines.jobs.page_selection import PageSelectionError, select_pages


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ("", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ("1-3,7", [0, 1, 2, 6]),
        (" 7 , 1-3 ", [0, 1, 2, 6]),
        ("2,2,1-2", [0, 1]),
        ("8-", [7, 8, 9]),
        ("-2", [0, 1]),
        ("10", [9]),
    ],
)
def test_ranges_select_zero_based_pages(spec, expected):
    assert select_pages(spec, 10) == expected


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("11", "page 11 is out of range: the document has 10 pages"),
        ("3-1", "backwards"),
        ("0", "pages count from 1"),
        ("a-b", "cannot read"),
        ("1,,2", "cannot read"),
        ("-", "cannot read"),
    ],
)
def test_bad_ranges_say_what_is_wrong(spec, words):
    with pytest.raises(PageSelectionError, match=f"(?i){words}"):
        select_pages(spec, 10)
