"""What an engine returns for one page."""

from dataclasses import asdict, dataclass, field


@dataclass
class Block:
    """One recognised text line: its text, its box `[x0, y0, x1, y1]` in page pixels, its confidence,
    and the paragraph it belongs to when the source says so (a PDF text layer does; OCR does not)."""

    text: str
    bbox: list[float]
    confidence: float
    paragraph: int | None = None


@dataclass
class PageResult:
    width: int
    height: int
    blocks: list[Block] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)
