"""Reading a caller's job: as JSON (streamed when long), after waiting for its end; cancelling
or deleting it. A job that is not the caller's is answered as one that does not exist."""

import asyncio
import itertools
from collections.abc import Iterator

from fastapi import Response
from fastapi.responses import StreamingResponse

from pipelines.jobs.record import FINAL_STATUSES
from pipelines.jobs.store import JobStatuses, JobStore
from serve.api_errors import no_job
from serve.job_ends import JobEnds

JSON = "application/json"


async def owned_status(statuses: JobStatuses, job_id: str, owner: str) -> str:
    """The status of the caller's job; 404 when it is not the caller's (or there is none)."""
    found = await statuses.status_and_owner(job_id)
    if found is None or found[1] != owner:
        raise no_job(job_id)
    return found[0]


class JobViews:
    def __init__(self, jobs: JobStore, statuses: JobStatuses, job_ends: JobEnds) -> None:
        self._jobs = jobs
        self._statuses = statuses
        self._job_ends = job_ends

    async def job(self, job_id: str, owner: str) -> Response:
        """The job as a JSON response; 404 when it is not the caller's. Streamed when long (a job
        of thousands of pages is read and sent a few hundred pages at a time); in one piece
        otherwise (any poll while it runs), which costs the ingress and the proxy less CPU."""
        found = await asyncio.to_thread(self._pieces, job_id)
        if found is None or found[2] != owner:
            raise no_job(job_id)
        read, rest, _ = found
        if rest is None:
            return Response(read[0], media_type=JSON)
        return StreamingResponse(itertools.chain(read, rest), media_type=JSON)

    def _pieces(self, job_id: str) -> tuple[list[str], Iterator[str] | None, str] | None:
        """The job's first pieces of JSON and the rest to read (None when there is none); its owner."""
        found = self._jobs.load_json_chunks(job_id)
        if found is None:
            return None
        chunks, owner = found
        first, second = next(chunks), next(chunks, None)
        return ([first], None, owner) if second is None else ([first, second], chunks, owner)

    async def job_after_wait(self, job_id: str, owner: str, seconds: float) -> Response:
        """The job once it has ended, or as it is after `seconds`."""
        await self._job_ends.wait(job_id, seconds, lambda: self._nothing_to_wait_for(job_id, owner))
        return await self.job(job_id, owner)

    async def _nothing_to_wait_for(self, job_id: str, owner: str) -> bool:
        """Whether the job has ended, or is not the caller's to wait for (the answer is then a 404)."""
        found = await self._statuses.status_and_owner(job_id)
        return found is None or found[1] != owner or found[0] in FINAL_STATUSES

    async def status(self, job_id: str, owner: str) -> str:
        return await owned_status(self._statuses, job_id, owner)

    async def cancel_or_delete(self, job_id: str, owner: str) -> Response:
        """A running job is cancelled between pages (200, the job, `error: cancelled`); a finished
        one is deleted with its results (204)."""
        if await self.status(job_id, owner) in ("pending", "processing"):
            await asyncio.to_thread(self._jobs.cancel, job_id)
            return await self.job(job_id, owner)
        await asyncio.to_thread(self._jobs.delete, job_id)
        return Response(status_code=204)
