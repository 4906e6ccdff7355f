"""Label/value pairs of a page record, for answering "What is the IBAN?" with the value itself.

A pair is found four ways:
- in one line: "Label: value", "IBAN DE44 ..." (leading words naming a known field, then a value),
  a table row's neighbouring cells ("Order date<tab>2 April 2026"), or a line ending with a colon
  and the line under it;
- beside: a short label line and the nearest line to its right on the same baseline;
- below: a short label line and the line right under it (a form's boxes, stacked invoices);
- in a table: a cell under its column's header, labelled by each other cell of its row
  ("USER_NAME, Data type" -> "VARCHAR(10)").
Distances are measured in the label's line height, so they hold for any resolution.
"""

import bisect
import re
from dataclasses import dataclass

from pipelines.chat.labels import label_terms

MAX_LABEL_CHARS = 40
MAX_LABEL_WORDS = 6
BESIDE_GAP = 10.0  # line heights between a label's right edge and its value
BELOW_GAP = 1.2  # line heights between a label's bottom and its value's top
ROW_KEYS = 2  # the first cells with letters of a table row name it ("USER_NAME", "Hex bolt M8")
ALIGN = 1.5  # line heights a value under its label may stand left or right of it
COLON_PAIR = re.compile(r"^(?P<label>[^:\t]{1,40}?)\s*:\s+(?P<value>\S.*)$")
LEADING_WORDS = re.compile(r"^(?P<label>[^\d\t]+?)\s+(?P<value>\S*\d.*)$")


@dataclass(frozen=True)
class Field:
    page: int  # 1-based
    label: str
    value: str
    snippet: str  # the page's own text holding both


def page_fields(record: dict) -> list[Field]:
    """The label/value pairs of one page record, without repeats."""
    page = int(record["index"]) + 1
    pairs = [*_line_pairs(record.get("text") or ""), *_geometry_pairs(record), *_table_pairs(record)]
    unique = dict.fromkeys((_label(label), value.strip(), snippet) for label, value, snippet in pairs)
    return [Field(page, label, value, snippet) for label, value, snippet in unique if label and value]


def is_label(text: str) -> bool:
    """Short text that can name a value: a few words with letters, ending with a colon or without digits."""
    text = text.strip()
    if not text or len(text) > MAX_LABEL_CHARS or len(text.split()) > MAX_LABEL_WORDS:
        return False
    if not any(char.isalpha() for char in text):
        return False
    return text.endswith(":") or not any(char.isdigit() for char in text) or bool(_known(text))


def is_value(text: str) -> bool:
    """Text that can be a value: not a label of a known field, nor a label ending with a colon."""
    text = text.strip()
    if not text or text.endswith(":"):
        return False
    return any(char.isdigit() for char in text) or not _known(text)


def _known(text: str) -> list[str]:
    """The lexicon concepts a text names (upper-case terms)."""
    return [term for term in label_terms(text) if term.isupper()]


def _label(text: str) -> str:
    return text.strip().rstrip(":").strip()


def _line_pairs(text: str) -> list[tuple[str, str, str]]:
    lines = [line for line in text.splitlines() if line.strip()]
    pairs = []
    for line, after in zip(lines, [*lines[1:], ""][: len(lines)], strict=True):
        if "\t" in line:
            pairs.extend(_cell_pairs(line))
        elif pair := _inline_pair(line):
            pairs.append((*pair, line))
        elif line.rstrip().endswith(":") and is_label(line) and is_value(after) and "\t" not in after:
            pairs.append((line, after, f"{line}\n{after}"))
    return pairs


def _inline_pair(line: str) -> tuple[str, str] | None:
    """A line's own label and value: "Label: value", or known leading words then a value with digits."""
    match = COLON_PAIR.match(line.strip())
    if match and is_label(match["label"]):
        return match["label"], match["value"]
    match = LEADING_WORDS.match(line.strip())
    if match and _known(match["label"]) and is_label(match["label"]):
        return match["label"], match["value"]
    return None


def _cell_pairs(row: str) -> list[tuple[str, str, str]]:
    cells = [cell.strip() for cell in row.split("\t") if cell.strip()]
    return [(a, b, row) for a, b in zip(cells, cells[1:], strict=False) if is_label(a) and is_value(b)]


def _geometry_pairs(record: dict) -> list[tuple[str, str, str]]:
    """Labels with the value beside them or below them, from the lines' boxes."""
    blocks = [b for b in record.get("blocks", ()) if b.get("text", "").strip() and b.get("type") not in _FURNITURE]
    blocks.sort(key=lambda block: block["bbox"][1])
    tops = [block["bbox"][1] for block in blocks]
    pairs = []
    for label in blocks:
        if not is_label(label["text"]) or _inline_pair(label["text"]):
            continue
        x0, y0, x1, y1 = label["bbox"]
        height = max(1.0, y1 - y0)
        near = blocks[bisect.bisect_left(tops, y0 - height) : bisect.bisect_right(tops, y1 + BELOW_GAP * height)]
        for value in (_beside(label, near, height), _below(label, near, height)):
            if value is not None and is_value(value["text"]):
                pairs.append((label["text"], value["text"], f"{label['text']}\n{value['text']}"))
    return pairs


_FURNITURE = ("header", "footer")


def _beside(label: dict, near: list[dict], height: float) -> dict | None:
    x0, y0, x1, y1 = label["bbox"]
    candidates = [
        block
        for block in near
        if block is not label
        and block["bbox"][0] >= x1 - 0.2 * height
        and block["bbox"][0] - x1 <= BESIDE_GAP * height
        and min(y1, block["bbox"][3]) - max(y0, block["bbox"][1]) >= 0.5 * height
    ]
    return min(candidates, key=lambda block: block["bbox"][0], default=None)


def _below(label: dict, near: list[dict], height: float) -> dict | None:
    x0, y0, x1, y1 = label["bbox"]
    candidates = [
        block
        for block in near
        if block["bbox"][1] >= y1 - 0.3 * height
        and block["bbox"][1] - y1 <= BELOW_GAP * height
        and (abs(block["bbox"][0] - x0) <= ALIGN * height or min(x1, block["bbox"][2]) - max(x0, block["bbox"][0]) > 0)
    ]
    return min(candidates, key=lambda block: (block["bbox"][1], abs(block["bbox"][0] - x0)), default=None)


def _table_pairs(record: dict) -> list[tuple[str, str, str]]:
    """Each cell under its column's header, labelled by each other cell of its row."""
    pairs = []
    for table in record.get("tables", ()):
        header = None
        for row in table.get("rows", ()):
            filled = [cell for cell in row if cell.strip()]
            if len(filled) >= 2 and all(is_label(cell) and not any(c.isdigit() for c in cell) for cell in filled):
                header = row
                continue
            if header is not None and len(header) == len(row):
                pairs.extend(_row_pairs(header, row))
    return pairs


def _row_pairs(header: list[str], row: list[str]) -> list[tuple[str, str, str]]:
    snippet = "\t".join(row)
    keys = [column for column, cell in enumerate(row) if _names_a_row(cell)][:ROW_KEYS]
    pairs = []
    for column, (title, value) in enumerate(zip(header, row, strict=True)):
        if title.strip() and value.strip():
            pairs.extend((f"{row[key].strip()}, {title.strip()}", value, snippet) for key in keys if key != column)
    return pairs


def _names_a_row(cell: str) -> bool:
    return any(char.isalpha() for char in cell) and len(cell.strip()) <= MAX_LABEL_CHARS
