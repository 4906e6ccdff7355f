"""The job runner as the services see it: something that runs a created job."""

from typing import Protocol

from pipelines.execution.page_loop import PageOptions


class JobRunnerClient(Protocol):
    async def run(
        self, job_id: str, data: bytes, indices: list[int], options: PageOptions, priority: int, wait: bool
    ) -> None:
        """Run a created job; return when it has ended if `wait`, else once the runner has it."""

    async def ping(self) -> bool:
        """Whether the runner can take a job now."""
