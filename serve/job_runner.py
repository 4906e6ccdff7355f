"""The job runner deployment: takes a created job from `pending` to `done` or `failed`.

Every job runs the same way: its pages, probed once by the ingress, are planned in blocks
(`pipelines.execution.blocks`) and the blocks run (`pipelines.execution.page_dataset`): a small
job, whose caller waits, is one block run here; a longer one is many, run as Ray Data tasks.
Either way the page work happens on the reading replicas and every page record goes to Redis
as it finishes.
"""

import asyncio
import contextlib
import dataclasses
import gc
import logging
import math
import threading
import time

import ray
from ray import serve
from ray.serve.handle import DeploymentHandle

from configs.settings import Settings
from pipelines import metrics
from pipelines.documents.document import Limits
from pipelines.errors import describe_error
from pipelines.execution.blocks import BlockSizes, DocumentPages, job_blocks
from pipelines.execution.page_dataset import PageJob, run_job, start_block_workers
from pipelines.execution.page_loop import PageOptions
from pipelines.execution.searchable_pdf_task import StoredPages, make_searchable_pdf
from pipelines.heap import freeze_startup_objects
from pipelines.jobs.store import JobStore, redis_client
from pipelines.jobs.webhook_outbox import WebhookOutbox
from pipelines.jobs.webhook_sender import WebhookSender, owner_secrets
from serve.priority_slots import PrioritySlots

logger = logging.getLogger("ray.serve")


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
        client = self._store.client
        sender = WebhookSender(WebhookOutbox(client), owner_secrets(client, settings.webhook_secret))
        threading.Thread(target=sender.run_forever, name="webhooks", daemon=True).start()
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
        self, job_id: str, upload: list[ray.ObjectRef], pages: DocumentPages, options: PageOptions, priority: int = 1
    ) -> None:
        """Run a created job. `upload` holds the document's object ref in a list, so that Serve
        passes the ref itself rather than a copy of the bytes; `pages`: the ingress's probe of it.
        A job whose caller waits (at most `sync_max_pages` pages) starts at once; a longer one
        waits (pending) for a slot, the lowest `priority` first (the plan's: paid jobs first)."""
        caller_waits = len(pages.indices) <= self._settings.sync_max_pages
        self._held.add(job_id)
        try:
            if not caller_waits:
                # Put by the ingress replica, the upload dies with it (a crash, a downscale, a
                # redeploy) while its caller has long gone: a copy owned here lives as long as the job.
                upload = [ray.put(await upload[0])]
            async with contextlib.nullcontext() if caller_waits else self._long_job_slots.hold(priority):
                processed = await asyncio.to_thread(self._run, job_id, upload[0], pages, options)
            # The slot is free while the searchable PDF is made: the next job's pages keep the
            # OCR replicas busy meanwhile.
            if processed:
                await asyncio.to_thread(self._finish, job_id, upload[0])
        finally:
            self._held.discard(job_id)
        if not caller_waits:
            # Ray Data's executor holds the upload's ref in reference cycles: without a collection,
            # the upload stays in the object store until Python's collector happens to run. After
            # the job has ended, so that nobody waits for it.
            await asyncio.to_thread(gc.collect)

    def _run(self, job_id: str, upload: ray.ObjectRef, pages: DocumentPages, options: PageOptions) -> bool:
        """Process the job's pages; whether they were (False: cancelled or expired before it
        started, or failed: the job has ended)."""
        if not self._store.start(job_id):
            return False
        settings = self._settings
        try:
            sizes = BlockSizes(settings.ocr_pages_per_block, settings.text_layer_pages_per_block)
            parallel = settings.parallel_blocks_per_job
            blocks = job_blocks(pages, options.force_ocr, sizes, parallel, one_block_up_to=settings.sync_max_pages)
            options = self._with_window(options, max(1, min(parallel, len(blocks))))
            job = PageJob(job_id, settings.effective_redis_url, settings.result_ttl_seconds, self._limits, options)
            run_job(upload, blocks, job, self._reader(options.tier), parallel)
        except Exception as exc:  # the job fails with a message; the replica keeps serving
            logger.exception("Job %s failed", job_id)
            self._store.fail(job_id, f"The job failed: {describe_error(exc)}")
            self._after_job(job_id)
            return False
        return True

    def _finish(self, job_id: str, upload: ray.ObjectRef) -> None:
        """Finish a job whose pages were processed: its outputs, then `done`."""
        self._save_outputs(job_id, upload)
        self._store.finish(job_id)
        self._after_job(job_id)

    def _after_job(self, job_id: str) -> None:
        metrics.job_ended(self._store.status(job_id) or "deleted")
        metrics.queue_depth(self._store.queued_pages())

    def _with_window(self, options: PageOptions, blocks_at_once: int) -> PageOptions:
        """A vlm job keeps OCRCHAT_VLM_PAGES_IN_FLIGHT pages at the model server, shared by its
        blocks that run at once; a cpu job keeps the page loop's two per block."""
        if options.tier != "vlm":
            return options
        return dataclasses.replace(options, window=math.ceil(self._settings.vlm_pages_in_flight / blocks_at_once))

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
        pages = StoredPages(job_id, settings.effective_redis_url, settings.result_ttl_seconds)
        try:
            make_searchable_pdf(upload, pages, settings.pdf_dpi)
        except Exception:
            logger.exception("Job %s: the searchable PDF could not be made", job_id)
