"""Uploads opened in a child process, with a time limit: a document that takes MuPDF long to
repair holds up no other submission, and one that crashes it takes down no replica.

The probe (`pipelines.execution.blocks.probe_document`: page count, pages to process, text-layer
hints) runs in a small pool of spawned processes. The upload reaches it through shared memory, for
as long as the probe runs, rather than pickled through a pipe (which held two more copies). A probe
past its time limit, or a pool whose process died, is replaced by a new pool; a probe that the
replacement cut short is tried again.
"""

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.shared_memory import SharedMemory

from pipelines.documents.document import DocumentError, Limits
from pipelines.execution.blocks import DocumentPages, probe_document

PROBE_PROCESSES = 2


class ProbeFailed(DocumentError):
    """The document could not be probed: it took too long, or it crashed the reader."""


class ProcessProber:
    def __init__(self, limits: Limits, max_pages: int, timeout_seconds: float) -> None:
        self._limits = limits
        self._max_pages = max_pages
        self._timeout = timeout_seconds
        self._pool = self._new_pool()
        self._generation = 0

    @staticmethod
    def _new_pool() -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(
            PROBE_PROCESSES, mp_context=context, initializer=_exit_with_parent, initargs=(os.getpid(),)
        )
        pool.submit(int)  # starts its processes now, not at the first upload
        return pool

    async def probe(self, data: bytes | bytearray, pages: str | None) -> DocumentPages:
        """DocumentError when it cannot be read (ProbeFailed: too slow, or it crashed the reader);
        PageSelectionError when `pages` is wrong."""
        shared = SharedMemory(create=True, size=max(1, len(data)))
        try:
            shared.buf[: len(data)] = data
            return await self._probe_shared(shared.name, len(data), pages)
        finally:
            shared.close()
            shared.unlink()

    async def _probe_shared(self, name: str, size: int, pages: str | None) -> DocumentPages:
        for _ in range(2):
            generation = self._generation
            try:
                call = self._pool.submit(_probe_shared_memory, name, size, self._limits, pages, self._max_pages)
                return await asyncio.wait_for(asyncio.wrap_future(call), self._timeout)
            except TimeoutError as exc:
                self._replace_pool(generation)
                raise ProbeFailed(f"The document could not be opened within {self._timeout:g} s.") from exc
            except BrokenProcessPool as exc:
                if self._replace_pool(generation):  # this document broke it, not another's
                    raise ProbeFailed("The document could not be opened: it crashed the reader.") from exc
        raise ProbeFailed("The document could not be opened: the reader kept failing.")

    def _replace_pool(self, generation: int) -> bool:
        """Kill and replace the pool if it is still the one of `generation`; whether it was."""
        if generation != self._generation:
            return False
        old, self._pool, self._generation = self._pool, self._new_pool(), generation + 1
        for process in list(old._processes.values()):  # no public way to stop a running call (3.14 adds one)
            process.kill()
        old.shutdown(wait=False, cancel_futures=True)
        return True


def _probe_shared_memory(name: str, size: int, limits: Limits, pages: str | None, max_pages: int) -> DocumentPages:
    """In the child process: the probe of the upload in shared memory `name`."""
    shared = SharedMemory(name=name)
    try:
        data = bytes(shared.buf[:size])  # this process's own copy, out of the ingress
    finally:
        shared.close()
    return probe_document(data, limits, pages, max_pages)


def _exit_with_parent(parent: int) -> None:
    """In the child process: end when the replica `parent` that started it is gone (killed, it
    cannot end its pool), instead of lingering with the shared-memory tracker it holds open."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
