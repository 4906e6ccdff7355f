"""What an engine returns for one page."""

from dataclasses import asdict, dataclass, field


@dataclass
class Block:
    """One recognised text line: its text, its box `[x0, y0, x1, y1]` in page pixels, its confidence,
    the paragraph it belongs to when the source says so (a PDF text layer does; OCR does not), and its
    language where it differs from its page's (language=auto)."""

    text: str
    bbox: list[float]
    confidence: float
    paragraph: int | None = None
    language: str | None = None
    type: str | None = None  # the layout region it lies in (REGION_TYPES), where a layout was found
    source: str | None = None  # "ocr" for a line read from a picture on a text-layer page
    # Its characters' mean confidence, where Tesseract was asked for it (`engines.script_trial` says why).
    letter_confidence: float | None = None


# The layout model's classes (engines/layout_model.py), as `regions[].type` and `blocks[].type`.
REGION_TYPES = (
    "text",
    "title",
    "figure",
    "figure_caption",
    "table",
    "table_caption",
    "header",
    "footer",
    "reference",
    "equation",
)


@dataclass
class TableCell:
    """One cell of a table's grid: its first row and column, how many it spans, and its box in page pixels."""

    row: int
    col: int
    row_span: int
    col_span: int
    bbox: list[float]


@dataclass
class Region:
    """A layout region of the page: its type (REGION_TYPES), box in page pixels and the model's
    confidence; a table region carries its grid of cells where the table-structure model read one."""

    type: str
    bbox: list[float]
    confidence: float
    cells: list[TableCell] | None = None


def mean_confidence(blocks: list[Block]) -> float:
    """The blocks' mean confidence, 0 for none."""
    return sum(block.confidence for block in blocks) / len(blocks) if blocks else 0.0


def mean_letter_confidence(blocks: list[Block]) -> float:
    """The mean confidence of the blocks' characters (their `letter_confidence`, else `confidence`), 0 for none."""
    weights = [len(block.text.replace(" ", "")) for block in blocks]
    total = sum(
        weight * (block.letter_confidence if block.letter_confidence is not None else block.confidence)
        for weight, block in zip(weights, blocks, strict=True)
    )
    return total / sum(weights) if sum(weights) else 0.0


@dataclass
class PageResult:
    """One page's lines. `language`: the code it was read with, or for `auto` the detected language's
    code (or the script's name when the script has several languages, e.g. "Cyrillic"; see
    engines/router.py). `rotation`: degrees the image was turned clockwise to read it; boxes, width and
    height are in the upright image's pixels."""

    width: int
    height: int
    blocks: list[Block] = field(default_factory=list)
    language: str | None = None
    rotation: int = 0
    engine: str | None = None  # what read it: "paddle", "tesseract", "paddle+tesseract", "vlm:<model>"
    # Set by engines that write the page's Markdown and tables themselves (the VLM); otherwise the
    # page's structure is worked out from the blocks' geometry (pipelines/documents/structure.py).
    markdown: str | None = None
    tables: list[list[list[str]]] | None = None  # each table's rows of cell texts
    regions: list[Region] = field(default_factory=list)  # the layout, top to bottom

    def to_dict(self) -> dict:
        return asdict(self)


class FinalPageError(RuntimeError):
    """A page that cannot be read, and another try would fail the same way (its engine already
    retried what was worth retrying). Its message may be shown to callers."""
