"""The searchable-PDF export of a job's pages (`exports.searchable_pdf`), made beside the document:
the service's jobs keep it in Redis with their pages, `ocrchat convert` writes it to a file."""

from dataclasses import dataclass
from typing import Protocol

import ray

from exports.searchable_pdf import page_outline, searchable_pdf_of_outlines
from pipelines.jobs.store import JobStore, redis_client


class PdfPages(Protocol):
    """A job's page records as the export reads them, and where the export goes."""

    def outlines(self) -> list[dict]:
        """The pages' outlines (`page_outline`), in page order."""
        ...

    def blocks(self, index: int) -> list[dict]:
        """The blocks of page `index`, read when its text is written."""
        ...

    def keep(self, pdf: bytes) -> bytes | None:
        """Keep the export; the bytes when the caller should write them, else None."""
        ...


@dataclass(frozen=True)
class StoredPages:
    """A service job's pages in Redis; the export is kept with them. Only the pages' outlines
    are held for the whole job; a page's blocks are read back when its text is written."""

    job_id: str
    redis_url: str
    ttl_seconds: int

    def _store(self) -> JobStore:
        return JobStore(redis_client(self.redis_url), self.ttl_seconds)

    def outlines(self) -> list[dict]:
        return list(self._store().page_outlines(self.job_id))

    def blocks(self, index: int) -> list[dict]:
        record = self._store().page_record(self.job_id, index)
        return record["blocks"] if record is not None else []  # deleted meanwhile

    def keep(self, pdf: bytes) -> None:
        self._store().save_export(self.job_id, "pdf", pdf)


class RecordedPages:
    """Page records at hand, in page order (`ocrchat convert`'s); the export is returned."""

    def __init__(self, records: list[dict]) -> None:
        self._records = {record["index"]: record for record in records}

    def outlines(self) -> list[dict]:
        return [page_outline(record) for record in self._records.values()]

    def blocks(self, index: int) -> list[dict]:
        return self._records[index]["blocks"]

    def keep(self, pdf: bytes) -> bytes:
        return pdf


def _make(upload: bytes, pages: PdfPages, dpi: int) -> bytes | None:
    outlines = pages.outlines()
    pdf = searchable_pdf_of_outlines(upload, outlines, dpi, lambda number: pages.blocks(outlines[number]["index"]))
    return pages.keep(pdf)


# In a worker process of its own: PyMuPDF runs one thread at a time per process, and a long
# document's PDF takes seconds that the process's other work should not wait for.
_make_beside = ray.remote(num_cpus=0, max_retries=1)(_make)


def make_searchable_pdf(upload: bytes | ray.ObjectRef, pages: PdfPages, dpi: int) -> bytes | None:
    """Make the export of `pages`, in a task next to the document when it is in the object
    store, here otherwise; what `pages.keep` returns."""
    if isinstance(upload, ray.ObjectRef):
        return ray.get(_make_beside.remote(upload, pages, dpi))
    return _make(upload, pages, dpi)
