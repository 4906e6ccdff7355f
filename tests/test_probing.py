"""Uploads probed in a child process: a document that takes MuPDF long to repair is refused at
the time limit without holding up others, and one that kills the reader takes down no replica."""

import asyncio
import os
import signal

import pytest

from pipelines.documents.document import DocumentError, Limits
from serve.services.probing import ProbeFailed, ProcessProber
from tests.documents import born_digital_pdf

LIMITS = Limits(max_page_pixels=60_000_000, pdf_dpi=200)


def slow_to_repair_pdf(objects: int = 1_000_000) -> bytes:
    """A PDF without a cross-reference table: MuPDF rebuilds it by scanning every object."""
    body = b"".join(b"%d 0 obj <</Type/Page/Kids[%d 0 R]>> endobj\n" % (i, i + 1) for i in range(1, objects))
    return b"%PDF-1.7\n" + body


@pytest.fixture(scope="module")
def prober():
    return ProcessProber(LIMITS, max_pages=10_000, timeout_seconds=0.8)


def test_a_slow_document_is_refused_at_the_limit_while_others_are_probed(prober):
    async def both():
        await asyncio.gather(*(prober.probe(born_digital_pdf(1), None) for _ in range(2)))  # both readers warm
        slow = asyncio.create_task(prober.probe(slow_to_repair_pdf(), None))
        await asyncio.sleep(0.1)
        quick = await prober.probe(born_digital_pdf(3), "2-3")
        slow_still_running = not slow.done()
        with pytest.raises(ProbeFailed, match="within 0.8 s"):
            await slow
        return quick, slow_still_running

    quick, slow_still_running = asyncio.run(both())
    assert (quick.page_count, quick.indices, quick.draws_text) == (3, [1, 2], [True, True])
    assert slow_still_running  # the quick one was answered while the slow one held the other reader


def test_a_reader_that_dies_fails_its_document_and_the_next_is_probed(prober):
    async def killed_then_next():
        slow = asyncio.create_task(prober.probe(slow_to_repair_pdf(), None))
        await asyncio.sleep(0.3)
        for process in prober._pool._processes.values():  # as a crash in MuPDF would
            os.kill(process.pid, signal.SIGKILL)
        with pytest.raises(ProbeFailed, match="crashed the reader"):
            await slow
        return await prober.probe(born_digital_pdf(1), None)

    assert asyncio.run(killed_then_next()).page_count == 1


def test_an_unreadable_document_is_a_document_error(prober):
    with pytest.raises(DocumentError, match="corrupt or unreadable"):
        asyncio.run(prober.probe(b"%PDF-1.7 garbage", None))


def test_the_readers_end_with_a_replica_that_is_killed(tmp_path):
    import subprocess
    import sys

    import psutil

    script = (
        "import asyncio, os, sys, time\n"
        "from pipelines.documents.document import Limits\n"
        "from serve.services.probing import ProcessProber\n"
        "prober = ProcessProber(Limits(60_000_000, 200), 10, 30)\n"
        "from tests.documents import born_digital_pdf\n"
        "asyncio.run(prober.probe(born_digital_pdf(1), None))\n"
        "print('ready', flush=True)\n"
        "time.sleep(600)\n"
    )
    replica = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert replica.stdout.readline().strip() == "ready"
        children = psutil.Process(replica.pid).children(recursive=True)
        assert children
        replica.kill()
        replica.wait()
        _gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, [" ".join(process.cmdline())[:100] for process in alive]
    finally:
        if replica.poll() is None:
            replica.kill()
