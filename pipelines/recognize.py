"""Run every page of a document through a page recognizer and collect the page records."""

import asyncio
from collections.abc import Awaitable, Callable

import numpy as np

from engines.types import PageResult
from pipelines.documents import Document
from pipelines.jobs import page_record

PageRecognizer = Callable[[np.ndarray], Awaitable[PageResult]]


async def render_all(document: Document) -> list[np.ndarray]:
    """Render every page now, so that a corrupt page is found before any work is done."""
    return await asyncio.to_thread(lambda: [document.render(i) for i in range(document.page_count)])


async def recognize_pages(images: list[np.ndarray], recognize: PageRecognizer) -> list[dict]:
    """Recognise pages concurrently (the OCR replicas queue them); records come back in page order."""
    results = await asyncio.gather(*(recognize(image) for image in images))
    return [page_record(index, result) for index, result in enumerate(results)]
