"""The cpu tier's reading of a page: its lines from the language router, its layout regions from
the layout model and the grid of each table region from the table-structure model. The service's
OCR replicas and the bulk converter's actors both load it, once each."""

import concurrent.futures
from pathlib import Path

import numpy as np

from engines.layout_model import LayoutModel
from engines.orientation import rotate_clockwise
from engines.router import CpuRouter, cpu_router
from engines.table_structure import TableStructureModel
from engines.types import PageResult, Region, TableCell

# A table crop reaches this share of the table's height beyond its box on each side: the
# layout's boxes are tight and the table model needs the ruling lines at the edges.
_TABLE_MARGIN = 0.02


class CpuPageReader:
    """Reads a page's lines, then its layout; or, `layout_beside` the lines, on a thread of its own
    (an engine on one thread: its page leaves the other core to the layout)."""

    def __init__(
        self, router: CpuRouter, layout: LayoutModel, tables: TableStructureModel, layout_beside: bool = False
    ) -> None:
        self.router = router
        self._layout = layout
        self._tables = tables
        self._layout_thread = (
            concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="ocr-layout") if layout_beside else None
        )

    def recognize(self, image: np.ndarray, language: str) -> PageResult:
        """Read an RGB uint8 page image in `language` (a table code, an alias, or "auto")."""
        # Beside the lines, the layout of the page as it came: most pages come upright.
        laid_out = self._layout_thread.submit(self.regions, image) if self._layout_thread else None
        try:
            result = self.router.recognize(image, language)
        finally:
            if laid_out is not None:
                concurrent.futures.wait([laid_out])  # the layout model reads one page at a time
        if laid_out is not None and not result.rotation:
            result.regions = laid_out.result()
        else:
            result.regions = self.regions(rotate_clockwise(image, result.rotation))
        return result

    def regions(self, image: np.ndarray) -> list[Region]:
        """The layout of an upright page image, with the grid of each table."""
        regions = self._layout.regions(image)
        for region in regions:
            if region.type == "table":
                region.cells = self._table_cells(image, region.bbox)
        return regions

    def _table_cells(self, image: np.ndarray, bbox: list[float]) -> list[TableCell]:
        height, width = image.shape[:2]
        margin = _TABLE_MARGIN * (bbox[3] - bbox[1])
        x0, y0 = int(max(0, bbox[0] - margin)), int(max(0, bbox[1] - margin))
        x1, y1 = int(min(width, bbox[2] + margin)), int(min(height, bbox[3] + margin))
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        cells = self._tables.cells(image[y0:y1, x0:x1])
        for cell in cells:
            cell.bbox = [cell.bbox[0] + x0, cell.bbox[1] + y0, cell.bbox[2] + x0, cell.bbox[3] + y0]
        return cells


def cpu_reader(cache_dir: Path, threads: int, det_limit_side_len: int, profile: str = "accurate") -> CpuPageReader:
    """The page reader of a cpu profile (`accurate`: PP-OCRv6 small; `fast`: tiny; configs/settings.py)."""
    router = cpu_router(cache_dir, threads, det_limit_side_len, profile)
    layout, tables = LayoutModel(threads=threads), TableStructureModel(threads=threads)
    return CpuPageReader(router, layout, tables, layout_beside=threads == 1)
