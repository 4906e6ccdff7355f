"""Text inside the pictures of a born-digital page (a letterhead, a scanned block pasted into the
PDF): the pictures are OCRed and their lines merged into the page's text layer.

The pictures are read as one crop (the box around them all). A line of the reading joins the
layer when its middle lies in a picture and it was read with some confidence; its block says
`source: ocr`. Each picture's lines form a paragraph placed before the first line of the layer
under the picture (the layer's own order elsewhere), so they stand where the picture is.
"""

import dataclasses

import numpy as np

from engines.reading_order import first_under
from engines.types import Block, PageResult

# Lines read with less confidence than this are left out (the OCR of a photo reads noise).
MIN_CONFIDENCE = 0.6
# Paragraph numbers of the pictures' lines start here, far above a layer's own.
_FIRST_PARAGRAPH = 1_000_000


def pictures_crop(image: np.ndarray, pictures: list[list[float]]) -> tuple[np.ndarray, tuple[int, int]]:
    """The part of the page image around all the pictures, and its top-left corner."""
    height, width = image.shape[:2]
    x0, y0 = max(0, int(min(p[0] for p in pictures))), max(0, int(min(p[1] for p in pictures)))
    x1, y1 = min(width, int(max(p[2] for p in pictures)) + 1), min(height, int(max(p[3] for p in pictures)) + 1)
    return np.ascontiguousarray(image[y0:y1, x0:x1]), (x0, y0)


def with_picture_text(
    layer: PageResult, reading: PageResult, corner: tuple[int, int], pictures: list[list[float]]
) -> PageResult:
    """The layer with the lines of `reading` (of the crop whose top-left corner is `corner`) merged in."""
    blocks = list(layer.blocks)
    for number, picture in enumerate(pictures):
        lines = [_moved(block, corner, _FIRST_PARAGRAPH + number) for block in reading.blocks]
        lines = [line for line in lines if _inside(line, picture) and _readable(line)]
        if lines:
            place = first_under(blocks, picture)
            place = len(blocks) if place is None else place
            blocks[place:place] = sorted(lines, key=lambda b: (b.bbox[1], b.bbox[0]))
    return dataclasses.replace(layer, blocks=blocks)


def _moved(block: Block, corner: tuple[int, int], paragraph: int) -> Block:
    x, y = corner
    box = [block.bbox[0] + x, block.bbox[1] + y, block.bbox[2] + x, block.bbox[3] + y]
    return dataclasses.replace(block, bbox=box, paragraph=paragraph, source="ocr")


def _inside(block: Block, picture: list[float]) -> bool:
    x, y = (block.bbox[0] + block.bbox[2]) / 2, (block.bbox[1] + block.bbox[3]) / 2
    return picture[0] <= x <= picture[2] and picture[1] <= y <= picture[3]


def _readable(block: Block) -> bool:
    return block.confidence >= MIN_CONFIDENCE and len(block.text.strip()) >= 2
