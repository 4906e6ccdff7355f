"""The job runner deployment: takes a created job from `pending` to `done` or `failed`.

Small documents are processed here directly (the caller waits for them); longer ones become
a Ray Data page dataset. Either way the page work happens on the CPU-OCR replicas and every
page record goes to Redis as it finishes.
"""

import asyncio
import contextlib
import gc
import logging
import threading
import time

import ray
from ray import serve
from ray.serve.handle import DeploymentHandle

from configs.settings import Settings
from exports.searchable_pdf import searchable_pdf_of_outlines
from pipelines import metrics
from pipelines.documents.document import Limits, open_document
from pipelines.errors import describe_error
from pipelines.execution.page_dataset import BlockSizes, PageJob, plan_blocks, run_page_dataset, start_block_workers
from pipelines.execution.page_loop import PageOptions, ocr_submit, run_upload_pages
from pipelines.heap import freeze_startup_objects
from pipelines.jobs.store import JobStore, redis_client
from serve.priority_slots import PrioritySlots

logger = logging.getLogger("ray.serve")


def _save_searchable_pdf(upload: bytes, job_id: str, redis_url: str, ttl_seconds: int, dpi: int) -> None:
    """Make a job's `pdf` export from its stored pages and keep it with them. Only the pages'
    outlines are held for the whole job; a page's blocks are read back when its text is written."""
    store = JobStore(redis_client(redis_url), ttl_seconds)
    outlines = list(store.page_outlines(job_id))

    def blocks_of(number: int) -> list[dict]:
        record = store.page_record(job_id, outlines[number]["index"])
        return record["blocks"] if record is not None else []  # deleted meanwhile

    store.save_export(job_id, "pdf", searchable_pdf_of_outlines(upload, outlines, dpi, blocks_of))


# In its own worker process: PyMuPDF runs one thread at a time per process, and a long
# document's PDF takes seconds that the runner's other jobs should not wait for.
_make_searchable_pdf = ray.remote(num_cpus=0, max_retries=1)(_save_searchable_pdf)


@serve.deployment(name="JobRunner")
class JobRunner:
    def __init__(self, ocr: DeploymentHandle, vlm: DeploymentHandle | None, settings: Settings) -> None:
        """`ocr`: the CPU-OCR replicas; `vlm`: the VLM replicas, None where there are none."""
        self._ocr = ocr
        self._vlm = vlm
        self._settings = settings
        self._store = JobStore(redis_client(settings.effective_redis_url), settings.result_ttl_seconds)
        self._limits = Limits(settings.max_page_pixels, settings.pdf_dpi)
        self._long_job_slots = PrioritySlots(settings.max_running_jobs)
        self._held: set[str] = set()  # jobs this replica holds, waiting or running: it renews their leases
        threading.Thread(target=self._keep_leases, name="job-leases", daemon=True).start()
        if settings.start_block_workers:
            threading.Thread(target=self._start_block_workers, name="block-workers", daemon=True).start()
        freeze_startup_objects()

    def _start_block_workers(self) -> None:
        """The worker processes of the long jobs this replica runs at once, started ahead."""
        try:
            start_block_workers(self._settings.max_running_jobs * self._settings.parallel_blocks_per_job)
        except Exception:  # a first job then starts them itself
            logger.exception("Starting the block workers ahead failed")

    def _keep_leases(self) -> None:
        """Renew the leases of the jobs held here, and fail the jobs nobody holds any more (and
        keep the queue-depth gauge current while no job comes or goes)."""
        every = self._settings.job_lease_seconds / 4
        while True:
            try:
                self._store.renew_leases(list(self._held))
                metrics.queue_depth(self._store.queued_pages())
                for job_id in self._store.fail_lost_jobs(self._settings.job_lease_seconds):
                    logger.warning("Job %s was lost (no runner renewed its lease); failed it", job_id)
            except Exception:  # Redis away for a moment: try again next round
                logger.exception("Renewing job leases failed")
            time.sleep(every)

    async def ping(self) -> bool:
        return await self._ocr.ping.remote()

    async def run(
        self, job_id: str, upload: list[ray.ObjectRef], indices: list[int], options: PageOptions, priority: int = 1
    ) -> None:
        """Run a created job. `upload` holds the document's object ref in a list, so that Serve
        passes the ref itself rather than a copy of the bytes. Long jobs wait for a slot, the
        lowest `priority` first (the plan's: paid jobs before the others)."""
        here = len(indices) <= self._settings.sync_max_pages
        # A long job waits (pending) for a free slot; a small one, whose caller waits, does not.
        self._held.add(job_id)
        try:
            if not here:
                # Put by the ingress replica, the upload dies with it (a crash, a downscale, a
                # redeploy) while its caller has long gone: a copy owned here lives as long as the job.
                upload = [ray.put(await upload[0])]
            async with contextlib.nullcontext() if here else self._long_job_slots.hold(priority):
                processed = await asyncio.to_thread(self._run, job_id, upload[0], indices, options, here)
            # The slot is free while the searchable PDF is made: the next job's pages keep the
            # OCR replicas busy meanwhile.
            if processed:
                await asyncio.to_thread(self._finish, job_id, upload[0], here)
        finally:
            self._held.discard(job_id)

    def _run(self, job_id: str, upload: ray.ObjectRef, indices: list[int], options: PageOptions, here: bool) -> bool:
        """Process the job's pages; whether they were (False: cancelled or expired before it
        started, or failed: the job has ended)."""
        if not self._store.start(job_id):
            return False
        try:
            reader = self._reader(options.tier)
            if here:
                submit = ocr_submit(reader, options.task)
                run_upload_pages(job_id, ray.get(upload), self._limits, indices, self._store, submit, options)
            else:
                self._run_dataset(job_id, upload, indices, options, reader)
        except Exception as exc:  # the job fails with a message; the replica keeps serving
            logger.exception("Job %s failed", job_id)
            self._store.fail(job_id, f"The job failed: {describe_error(exc)}")
            self._after_job(job_id, here)
            return False
        return True

    def _finish(self, job_id: str, upload: ray.ObjectRef, here: bool) -> None:
        """Finish a job whose pages were processed: its outputs, then `done`."""
        self._save_outputs(job_id, upload)
        self._store.finish(job_id)
        self._after_job(job_id, here)

    def _after_job(self, job_id: str, here: bool) -> None:
        metrics.job_ended(self._store.status(job_id) or "deleted")
        metrics.queue_depth(self._store.queued_pages())
        if not here:
            # Ray Data's executor holds the upload's ref in reference cycles: without a collection,
            # the upload stays in the object store until Python's collector happens to run. After
            # the job has ended, so that its caller does not wait for it.
            gc.collect()

    def _reader(self, tier: str) -> DeploymentHandle:
        if tier == "vlm":
            if self._vlm is None:  # the ingress refuses such jobs; a job from before a redeploy may come
                raise RuntimeError("the vlm tier is not deployed")
            return self._vlm
        return self._ocr

    def _save_outputs(self, job_id: str, upload: ray.ObjectRef) -> None:
        """Make the job's `pdf` export while the upload is still here; the job is done without
        the export (the download then says so) rather than failed."""
        if self._store.status(job_id) != "processing":
            return  # cancelled
        settings = self._settings
        pdf = _make_searchable_pdf.remote(
            upload, job_id, settings.effective_redis_url, settings.result_ttl_seconds, settings.pdf_dpi
        )
        try:
            ray.get(pdf)
        except Exception:
            logger.exception("Job %s: the searchable PDF could not be made", job_id)

    def _run_dataset(
        self, job_id: str, upload: ray.ObjectRef, indices: list[int], options: PageOptions, reader: DeploymentHandle
    ) -> None:
        settings = self._settings
        document = open_document(ray.get(upload), self._limits)
        try:
            likely_text_layer = [not options.force_ocr and document.draws_text(index) for index in indices]
        finally:
            document.close()
        sizes = BlockSizes(settings.ocr_pages_per_block, settings.text_layer_pages_per_block)
        blocks = plan_blocks(indices, likely_text_layer, sizes, settings.parallel_blocks_per_job)
        job = PageJob(job_id, settings.effective_redis_url, settings.result_ttl_seconds, self._limits, options)
        run_page_dataset(upload, blocks, job, reader, settings.parallel_blocks_per_job)
