"""What the services need beside Redis: something that runs a created job, and something that
probes an upload (serve.services.probing)."""

from typing import Protocol

from pipelines.execution.blocks import DocumentPages
from pipelines.execution.page_loop import PageOptions


class DocumentProber(Protocol):
    async def probe(self, data: bytes | bytearray, pages: str | None) -> DocumentPages:
        """The document's pages; DocumentError or PageSelectionError when it cannot be taken."""


class JobRunnerClient(Protocol):
    async def run(
        self, job_id: str, data: bytes, pages: DocumentPages, options: PageOptions, priority: int, wait: bool
    ) -> None:
        """Run a created job; return when it has ended if `wait`, else once the runner has it."""

    async def ping(self) -> bool:
        """Whether the runner can take a job now."""
