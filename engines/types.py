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


def mean_confidence(blocks: list[Block]) -> float:
    """The blocks' mean confidence, 0 for none."""
    return sum(block.confidence for block in blocks) / len(blocks) if blocks else 0.0


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
    # page's structure is worked out from the blocks' geometry (pipelines/structure.py).
    markdown: str | None = None
    tables: list[list[list[str]]] | None = None  # each table's rows of cell texts

    def to_dict(self) -> dict:
        return asdict(self)
