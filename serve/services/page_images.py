"""A page of a finished job as an image, for the web page's viewer: rendered from the job's
searchable PDF (the only copy of the document kept after a job ends), at the width asked for."""

import asyncio
import io

import pymupdf
from fastapi import Response
from PIL import Image

from engines.document_files import MUPDF_LOCK
from pipelines.jobs.record import FINAL_STATUSES
from pipelines.jobs.store import JobStatuses, JobStore
from serve.api_errors import ApiError
from serve.services.job_views import owned_status

MIN_WIDTH, MAX_WIDTH = 100, 3000
JPEG_QUALITY = 85


class PageImages:
    def __init__(self, jobs: JobStore, statuses: JobStatuses) -> None:
        self._jobs = jobs
        self._statuses = statuses

    async def image(self, job_id: str, owner: str, index: int, width: int) -> Response:
        """Page `index` (0-based, as `pages[].index`) as a JPEG `width` pixels wide. 404 for a job
        not the caller's or a page it does not have, 400 for a bad width, 409 before the PDF exists."""
        if not MIN_WIDTH <= width <= MAX_WIDTH:
            raise ApiError(400, f"width must be between {MIN_WIDTH} and {MAX_WIDTH} pixels.")
        status = await owned_status(self._statuses, job_id, owner)
        if status not in FINAL_STATUSES:
            raise ApiError(409, f"The job is {status}: its pages can be shown once it has ended.")
        position = await asyncio.to_thread(self._position, job_id, index)
        pdf = await asyncio.to_thread(self._jobs.export, job_id, "pdf")
        if pdf is None:
            raise ApiError(409, "The job's pages cannot be shown: it ended before its PDF was made.")
        image = await asyncio.to_thread(render_page, pdf, position, width)
        return Response(image, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    def _position(self, job_id: str, index: int) -> int:
        """Where page `index` of the document is in the job's PDF (which holds the processed pages)."""
        for position, outline in enumerate(self._jobs.page_outlines(job_id)):
            if outline["index"] == index:
                return position
        raise ApiError(404, f"The job has no page {index}.")


def render_page(pdf: bytes, position: int, width: int) -> bytes:
    """Page `position` of the PDF as a JPEG image `width` pixels wide."""
    with MUPDF_LOCK, pymupdf.open(stream=pdf, filetype="pdf") as document:
        page = document[position]
        pixmap = page.get_pixmap(
            matrix=pymupdf.Matrix(width / page.rect.width, width / page.rect.width),
            alpha=False,
            colorspace=pymupdf.csRGB,
        )
        picture = Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
