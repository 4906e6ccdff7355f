"""An OCR replica gives the memory its pages freed back to the system once it is idle."""

import asyncio
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from configs.settings import Settings
from engines.types import PageResult
from serve import ocr_worker

# Freed heap blocks that glibc keeps (the top block is held, so its own trimming cannot help).
HELD_HEAP = textwrap.dedent(
    """
    import ctypes
    from engines import native_heap

    def resident_mb():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4096 / 2**20

    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    blocks = [libc.malloc(1 << 20) for _ in range(300)]
    for block in blocks:
        ctypes.memset(block, 1, 1 << 20)
    for block in blocks[:-1]:
        libc.free(ctypes.c_void_p(block))
    before = resident_mb()
    native_heap.trim()
    print(before, resident_mb())
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_trim_gives_freed_heap_back() -> None:
    env = {"MALLOC_ARENA_MAX": "1", "MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-c", HELD_HEAP]
    out = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True, check=True)
    before, after = map(float, out.stdout.split())
    assert before - after > 200, out.stdout


class SlowEngine:
    """A page reader that takes 50 ms a page (the replica's real engine is tested elsewhere)."""

    def recognize(self, image: np.ndarray, language: str) -> PageResult:
        time.sleep(0.05)
        return PageResult(width=image.shape[1], height=image.shape[0], blocks=[], engine="paddle")


def test_a_replica_trims_once_it_is_idle_not_between_pages(monkeypatch) -> None:
    trims: list[float] = []
    monkeypatch.setattr(ocr_worker, "cpu_reader", lambda *args: SlowEngine())
    monkeypatch.setattr(ocr_worker, "IDLE_TRIM_SECONDS", 0.3)
    monkeypatch.setattr(ocr_worker.native_heap, "trim", lambda: trims.append(1.0))
    replica = ocr_worker.CpuOcr.func_or_class(Settings(ocr_threads=1))
    page = np.zeros((10, 10, 3), np.uint8)

    async def job() -> None:
        for _ in range(4):  # a job's pages, 0.1 s apart: no trim between them
            await asyncio.gather(replica.recognize(page), replica.recognize(page))
            await asyncio.sleep(0.1)
        assert trims == []
        await asyncio.sleep(0.5)  # idle past IDLE_TRIM_SECONDS: one trim
        assert len(trims) == 1

    asyncio.run(job())
