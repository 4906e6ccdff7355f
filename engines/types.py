"""What an engine returns for one page."""

from dataclasses import asdict, dataclass, field


@dataclass
class Block:
    """One recognised text line: its text, its box `[x0, y0, x1, y1]` in page pixels, its confidence."""

    text: str
    bbox: list[float]
    confidence: float


@dataclass
class PageResult:
    width: int
    height: int
    blocks: list[Block] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)
