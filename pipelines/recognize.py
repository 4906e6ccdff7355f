"""Run every page of a document through a page recognizer and collect the page records."""

import asyncio
from collections.abc import Awaitable, Callable

import numpy as np

from engines.types import PageResult
from pipelines.documents import Document
from pipelines.jobs import page_record

PageRecognizer = Callable[[np.ndarray], Awaitable[PageResult]]


async def recognize_document(document: Document, recognize: PageRecognizer, in_flight: int = 4) -> list[dict]:
    """Page records in page order. Pages are rendered one at a time (PyMuPDF and Pillow objects
    are not thread-safe) and at most `in_flight` rendered pages exist at once, so memory does
    not grow with the page count. A page that cannot be rendered stops the rest and raises."""
    render_lock = asyncio.Lock()
    slots = asyncio.Semaphore(in_flight)

    async def one(index: int) -> dict:
        async with slots:
            async with render_lock:
                image = await asyncio.to_thread(document.render, index)
            result = await recognize(image)
        return page_record(index, result)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(index)) for index in range(document.page_count)]
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
