"""The `pages=1-3,7` form field: 1-based page ranges, as people write them, to 0-based indices."""

import re

# At most 12 digits a number: a longer one is no page, and int() refuses more than 4300 digits.
_PART = re.compile(r"^(\d{1,12})?\s*(?:(-)\s*(\d{1,12})?)?$")


class PageSelectionError(ValueError):
    """The `pages` field cannot be read or names pages the document does not have."""


def _part_range(part: str, page_count: int) -> range:
    match = _PART.match(part)
    if not part or match is None or match.group(1) is None and match.group(3) is None:
        shown = part if len(part) <= 40 else part[:40] + "..."
        raise PageSelectionError(f"Cannot read {shown!r} in pages: write page numbers and ranges like 1-3,7.")
    first_text, dash, last_text = match.groups()
    if dash is None:
        first = last = int(first_text)
    else:  # "5-" runs to the last page, "-3" starts at the first
        first = int(first_text) if first_text else 1
        last = int(last_text) if last_text else page_count
    if first < 1 or first > last:
        raise PageSelectionError(f"The range {part!r} in pages is empty or backwards; pages count from 1.")
    if last > page_count:
        raise PageSelectionError(f"Page {last} is out of range: the document has {page_count} pages.")
    return range(first - 1, last)


def select_pages(spec: str | None, page_count: int) -> list[int]:
    """Sorted 0-based page indices named by `spec`; every page when `spec` is empty."""
    if spec is None or not spec.strip():
        return list(range(page_count))
    indices: set[int] = set()
    for part in spec.split(","):
        indices.update(_part_range(part.strip(), page_count))
    return sorted(indices)
