"""The JobRunner deployment behind the services' `JobRunnerClient`."""

import asyncio

import ray
from ray.serve.handle import DeploymentHandle, DeploymentResponse

from pipelines.execution.page_loop import PageOptions


class RayJobRunner:
    def __init__(self, handle: DeploymentHandle) -> None:
        self._handle = handle
        self._background: set[asyncio.Task] = set()

    async def ping(self) -> bool:
        return await self._handle.ping.remote()

    async def run(
        self, job_id: str, data: bytes, indices: list[int], options: PageOptions, priority: int, wait: bool
    ) -> None:
        # The upload goes as an object ref in a list, so that Serve passes the ref, not a copy.
        response = self._handle.run.remote(job_id, [ray.put(data)], indices, options, priority)
        if wait:
            await response
        else:
            self._in_background(response)

    def _in_background(self, response: DeploymentResponse) -> None:
        """Keep the runner call referenced until it ends; its outcome is in the job record."""
        task = asyncio.create_task(_wait_quietly(response))
        self._background.add(task)
        task.add_done_callback(self._background.discard)


async def _wait_quietly(response: DeploymentResponse) -> None:
    try:
        await response
    except Exception:  # the runner records failures in the job itself
        pass
