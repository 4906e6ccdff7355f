"""A long document as a Ray Data dataset of page blocks, processed in parallel.

The upload is in the object store once; each block's task opens the document from it,
renders its pages lazily with PyMuPDF, sends them to the CPU-OCR replicas (the models are
loaded there once) and writes each page record to Redis as it finishes. The dataset's own
output is only the page numbers, so nothing grows with the page count in this process.

A block costs 30-100 ms of scheduling: pages to OCR (seconds each) go in small blocks, so that
many replicas share a job; pages that likely have a text layer (milliseconds each) in large ones.
"""

import logging
import math
import os
import time
from dataclasses import dataclass

import numpy as np
import ray
import ray.data
import redis
from ray.serve.handle import DeploymentHandle

from pipelines.documents.document import Limits
from pipelines.execution.page_loop import PageOptions, ocr_submit, run_upload_pages
from pipelines.heap import freeze_startup_objects
from pipelines.jobs.store import JobStore, redis_client


@dataclass(frozen=True)
class PageJob:
    """What a block's task needs to know of its job."""

    job_id: str
    redis_url: str
    ttl_seconds: int
    limits: Limits
    options: PageOptions


@dataclass(frozen=True)
class BlockSizes:
    ocr_pages: int
    text_layer_pages: int


def _split(run: list[int], max_size: int, parallel: int) -> list[list[int]]:
    """Pages split into blocks of at most `max_size`, in whole rounds of `parallel` blocks of
    equal size, so that no worker idles through a last, half-empty round."""
    pieces = math.ceil(len(run) / max_size)
    pieces = min(len(run), math.ceil(pieces / parallel) * parallel)
    size = math.ceil(len(run) / pieces)
    return [run[start : start + size] for start in range(0, len(run), size)]


def plan_blocks(indices: list[int], likely_text_layer: list[bool], sizes: BlockSizes, parallel: int) -> list[list[int]]:
    """Runs of consecutive pages of the same kind, split into blocks of that kind's size."""
    runs: list[tuple[bool, list[int]]] = []
    for index, kind in zip(indices, likely_text_layer, strict=True):
        if not runs or runs[-1][0] != kind:
            runs.append((kind, []))
        runs[-1][1].append(index)
    blocks = []
    for kind, run in runs:
        blocks.extend(_split(run, sizes.text_layer_pages if kind else sizes.ocr_pages, parallel))
    return blocks


# A handle unpickled in a task starts a router of its own on its first call (replica probes, and
# autoscaling metrics pushed to the Serve controller every few seconds), and nothing stops it:
# one per block would pile up in Ray Data's reused worker processes. One per deployment instead.
_process_handles: dict[tuple[str, str], DeploymentHandle] = {}


def process_handle(handle: DeploymentHandle) -> DeploymentHandle:
    """The handle this process keeps for `handle`'s deployment (the first one it was given)."""
    return _process_handles.setdefault((handle.app_name, handle.deployment_name), handle)


def _process_block(batch: dict[str, np.ndarray], upload: ray.ObjectRef, job: PageJob, ocr: DeploymentHandle) -> dict:
    freeze_startup_objects()
    indices = [int(index) for pages in batch["pages"] for index in pages]
    store = JobStore(redis_client(job.redis_url), job.ttl_seconds)
    submit = ocr_submit(process_handle(ocr), job.options.task)
    run_upload_pages(job.job_id, ray.get(upload), job.limits, indices, store, submit, job.options)
    return {"pages": batch["pages"]}


def run_page_dataset(
    upload: ray.ObjectRef, blocks: list[list[int]], job: PageJob, ocr: DeploymentHandle, parallel: int
) -> None:
    """Process the blocks of pages, `parallel` blocks at a time."""
    _quiet_data_context()
    pages = ray.data.from_items([{"pages": block} for block in blocks], override_num_blocks=len(blocks))
    done = pages.map_batches(
        _process_block,
        batch_size=None,  # one call per block
        fn_kwargs={"upload": upload, "job": job, "ocr": ocr},
        compute=ray.data.TaskPoolStrategy(size=parallel),
        # The work is on the OCR replicas; these tasks mostly wait, and must not need a CPU that
        # the replicas have reserved (on a 2-core machine they hold both).
        num_cpus=0,
        max_retries=3,  # a block whose worker died is run again; its written pages are skipped
        # ... and so is a block that lost Redis for longer than its client's reconnect retries.
        retry_exceptions=[redis.ConnectionError, redis.TimeoutError],
    )
    for _ in done.iter_batches(batch_size=None):
        pass


def _quiet_data_context() -> None:
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.execution_options.verbose_progress = False
    # Ray Data reads each task's USS from /proc every second (for its stats): CPU that OCR needs.
    context.memory_usage_poll_interval_s = None
    # Ray Data logs its whole state every few seconds at DEBUG: costly for a job of hours.
    logging.getLogger("ray.data").setLevel(logging.INFO)


# A worker process starts in about 2 s: a warm-up task holds its worker longer than that, so that
# the other warm-up tasks start workers of their own instead of waiting for it.
_WARM_UP_HOLD_SECONDS = 3.0


def _warm_up(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    freeze_startup_objects()
    time.sleep(_WARM_UP_HOLD_SECONDS)
    return {"process": np.array([os.getpid()])}


def start_block_workers(count: int) -> int:
    """Start `count` Ray Data worker processes, this module imported and their heap frozen, before
    a long job needs them: the first job of a new service otherwise waited for them (500 text-layer
    pages: 3.1 s, against 0.6 s for the next job). They stay while Ray keeps idle workers
    (`RAY_idle_worker_killing_time_threshold_ms`, 10 minutes for `ocrchat serve`). Returns how many
    processes the warm-up ran in."""
    _quiet_data_context()
    workers = ray.data.from_items([{"worker": number} for number in range(count)], override_num_blocks=count)
    started = workers.map_batches(_warm_up, batch_size=None, compute=ray.data.TaskPoolStrategy(size=count), num_cpus=0)
    return len({int(process) for batch in started.iter_batches(batch_size=None) for process in batch["process"]})
