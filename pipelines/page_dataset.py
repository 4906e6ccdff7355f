"""A long document as a Ray Data dataset of page numbers, processed in parallel blocks.

The upload is in the object store once; each block's task opens the document from it,
renders its pages lazily with PyMuPDF, sends them to the CPU-OCR replicas (the models are
loaded there once) and writes each page record to Redis as it finishes. The dataset's own
output is only the page numbers, so nothing grows with the page count in this process.
"""

import math
from dataclasses import dataclass

import numpy as np
import ray
import ray.data
from ray.serve.handle import DeploymentHandle

from pipelines.documents import Limits, open_document
from pipelines.job_store import JobStore, redis_client
from pipelines.pages import PageOptions, run_pages


@dataclass(frozen=True)
class PageJob:
    """What a block's task needs to know of its job."""

    job_id: str
    redis_url: str
    ttl_seconds: int
    limits: Limits
    options: PageOptions


def _process_block(batch: dict[str, np.ndarray], upload: ray.ObjectRef, job: PageJob, ocr: DeploymentHandle) -> dict:
    indices = batch["index"].tolist()
    store = JobStore(redis_client(job.redis_url), job.ttl_seconds)
    document = open_document(ray.get(upload), job.limits)
    try:
        run_pages(job.job_id, document, indices, store, ocr.recognize.remote, job.options)
    finally:
        document.close()
    return {"index": batch["index"]}


def run_page_dataset(
    upload: ray.ObjectRef, indices: list[int], job: PageJob, ocr: DeploymentHandle, pages_per_block: int, parallel: int
) -> None:
    """Process `indices` in blocks of `pages_per_block` pages, `parallel` blocks at a time."""
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    blocks = math.ceil(len(indices) / pages_per_block)
    pages = ray.data.from_items([{"index": index} for index in indices], override_num_blocks=blocks)
    done = pages.map_batches(
        _process_block,
        batch_size=None,  # one call per block
        fn_kwargs={"upload": upload, "job": job, "ocr": ocr},
        compute=ray.data.TaskPoolStrategy(size=parallel),
        # The work is on the OCR replicas; these tasks mostly wait, and must not need a CPU that
        # the replicas have reserved (on a 2-core machine they hold both).
        num_cpus=0,
        max_retries=3,  # a block whose worker died is run again; its written pages are skipped
    )
    for _ in done.iter_batches(batch_size=None):
        pass
