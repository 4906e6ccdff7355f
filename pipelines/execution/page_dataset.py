"""Blocks of pages run: a lone block in the calling process, more as a Ray Data dataset of
tasks processed in parallel. The service's jobs and `ocrchat convert` both run this way.

The document is in the object store once; each block's task opens it from there, reads text
layers or renders its pages lazily with PyMuPDF and sends the pages to OCR to the reading
replicas or actors (the models are loaded there once). A service block writes each page record
to Redis as it finishes, so the dataset's own output is nothing and nothing grows with the
page count in the runner.
"""

import functools
import json
import logging
import os
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import ray
import redis

from pipelines.documents.document import Limits
from pipelines.execution.page_loop import PageOptions, ocr_submit, run_upload_pages
from pipelines.heap import freeze_startup_objects
from pipelines.jobs.store import JobStore, redis_client

if TYPE_CHECKING:  # Ray Data and Serve are imported where used: `ocrchat convert` of a small
    # born-digital document needs neither, and they take seconds to import.
    from ray.serve.handle import DeploymentHandle

# A block whose worker died is run again (a service block skips the pages it already wrote) ...
BLOCK_RETRIES = 3
# ... and so is a block that lost Redis for longer than its client's reconnect retries.
_RETRIED_ERRORS = [redis.ConnectionError, redis.TimeoutError]

# A block (JSON: page indices, or `ocrchat convert`'s pieces of documents) -> its output (JSON).
BlockWork = Callable[[Any], Any]


def upload_bytes(upload: bytes | ray.ObjectRef) -> bytes:
    """A document's bytes, from the object store when they are there."""
    return ray.get(upload) if isinstance(upload, ray.ObjectRef) else upload


def run_blocks(blocks: list, work: BlockWork, parallel: int, log_level: int = logging.INFO) -> Iterator[Any]:
    """What `work` makes of each block, as the blocks finish. A lone block runs here: a small job
    pays no task scheduling. More run as Ray Data tasks, `parallel` at a time, with 0 CPUs: the
    work is on the reading replicas or actors, and the tasks must not need a CPU that those have
    reserved (on a 2-core machine they hold both). `log_level`: Ray Data's logs that are shown."""
    if len(blocks) == 1:
        yield work(blocks[0])
        return
    import ray.data

    quiet_data_context(log_level)
    rows = ray.data.from_items([{"block": json.dumps(block)} for block in blocks], override_num_blocks=len(blocks))
    with warnings.catch_warnings():
        # Ray 2.60 deprecates `max_retries` here but has no other way to say it; its default
        # (retry forever) would loop on a block that crashes its worker.
        warnings.simplefilter("ignore", DeprecationWarning)
        done = rows.map_batches(
            _run_block,
            batch_size=None,  # one call per block
            fn_kwargs={"work": work},
            compute=ray.data.TaskPoolStrategy(size=min(parallel, len(blocks))),
            num_cpus=0,
            max_retries=BLOCK_RETRIES,
            retry_exceptions=_RETRIED_ERRORS,
        )
    for batch in done.iter_batches(batch_size=None, batch_format="numpy"):
        yield from (json.loads(output) for output in batch["output"])


def _run_block(batch: dict[str, np.ndarray], work: BlockWork) -> dict[str, np.ndarray]:
    freeze_startup_objects()
    outputs = [json.dumps(work(json.loads(block)), ensure_ascii=False) for block in batch["block"]]
    return {"output": np.array(outputs, dtype=object)}


def quiet_data_context(log_level: int = logging.INFO) -> None:
    import ray.data

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.execution_options.verbose_progress = False
    # Ray Data reads each task's USS from /proc every second (for its stats): CPU that OCR needs.
    context.memory_usage_poll_interval_s = None
    # Ray Data logs its whole state every few seconds at DEBUG: costly for a job of hours.
    logging.getLogger("ray.data").setLevel(log_level)


# ---- The service's jobs


@dataclass(frozen=True)
class PageJob:
    """What a block of a service job needs to know of its job."""

    job_id: str
    redis_url: str
    ttl_seconds: int
    limits: Limits
    options: PageOptions


# A handle unpickled in a task starts a router of its own on its first call (replica probes, and
# autoscaling metrics pushed to the Serve controller every few seconds), and nothing stops it:
# one per block would pile up in Ray Data's reused worker processes. One per deployment instead.
_process_handles: dict[tuple[str, str], "DeploymentHandle"] = {}


def process_handle(handle: "DeploymentHandle") -> "DeploymentHandle":
    """The handle this process keeps for `handle`'s deployment (the first one it was given)."""
    return _process_handles.setdefault((handle.app_name, handle.deployment_name), handle)


def _job_block(pages: list[int], upload: ray.ObjectRef, job: PageJob, reader: "DeploymentHandle") -> None:
    """Process a block of a job's pages and write each page record to Redis."""
    store = JobStore(redis_client(job.redis_url), job.ttl_seconds)
    submit = ocr_submit(process_handle(reader), job.options.task)
    run_upload_pages(job.job_id, upload_bytes(upload), job.limits, pages, store, submit, job.options)


def run_job(upload: ray.ObjectRef, blocks: list[list[int]], job: PageJob, reader: "DeploymentHandle", parallel: int):
    """Process a job's blocks of pages (`pipelines.execution.blocks.job_blocks`), `parallel` at a time."""
    for _ in run_blocks(blocks, functools.partial(_job_block, upload=upload, job=job, reader=reader), parallel):
        pass


# ---- Workers started ahead

# A worker process starts in about 2 s: a warm-up task holds its worker longer than that, so that
# the other warm-up tasks start workers of their own instead of waiting for it.
_WARM_UP_HOLD_SECONDS = 3.0


def _warm_up(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    freeze_startup_objects()
    time.sleep(_WARM_UP_HOLD_SECONDS)
    return {"process": np.array([os.getpid()])}


def start_block_workers(count: int) -> int:
    """Start `count` Ray Data worker processes, this module imported and their heap frozen, before
    a long job needs them: the first job of a new service otherwise waited for them. They stay
    while Ray keeps idle workers (`RAY_idle_worker_killing_time_threshold_ms`, 10 minutes for
    `ocrchat serve`). Returns how many processes the warm-up ran in."""
    import ray.data

    quiet_data_context()
    workers = ray.data.from_items([{"worker": number} for number in range(count)], override_num_blocks=count)
    started = workers.map_batches(_warm_up, batch_size=None, compute=ray.data.TaskPoolStrategy(size=count), num_cpus=0)
    return len({int(process) for batch in started.iter_batches(batch_size=None) for process in batch["process"]})
