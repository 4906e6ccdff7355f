"""The JobRunner deployment behind the services' `JobRunnerClient`."""

import asyncio
import contextvars

import ray
from ray.serve.handle import DeploymentHandle

from pipelines.execution.blocks import DocumentPages
from pipelines.execution.page_loop import PageOptions


class RayJobRunner:
    def __init__(self, handle: DeploymentHandle) -> None:
        self._handle = handle
        self._running: set[asyncio.Task] = set()

    async def ping(self) -> bool:
        return await self._handle.ping.remote()

    async def run(
        self, job_id: str, data: bytes, pages: DocumentPages, options: PageOptions, priority: int, wait: bool
    ) -> None:
        """The runner's call lives apart from the request that made it: Serve cancels a request's
        calls when its client disconnects, and a job must not depend on its caller staying. So the
        call runs in a task of its own, outside the request's context, kept here until it ends."""
        # The upload goes as an object ref in a list, so that Serve passes the ref, not a copy.
        upload = [ray.put(data)]
        call = self._call(job_id, upload, pages, options, priority)
        task = asyncio.create_task(call, context=contextvars.Context())
        self._running.add(task)
        task.add_done_callback(_forget_outcome(self._running))
        if wait:
            await asyncio.shield(task)

    async def _call(
        self, job_id: str, upload: list[ray.ObjectRef], pages: DocumentPages, options: PageOptions, priority: int
    ) -> None:
        await self._handle.run.remote(job_id, upload, pages, options, priority)


def _forget_outcome(running: set[asyncio.Task]):
    """Drop an ended call; its failure (if nobody awaited it) is in the job record already."""

    def done(task: asyncio.Task) -> None:
        running.discard(task)
        if not task.cancelled():
            task.exception()  # marks it retrieved

    return done
