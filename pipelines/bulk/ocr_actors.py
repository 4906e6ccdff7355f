"""Ray and the OCR actors of an `ocrchat convert` run, both started at the first page that needs them.

A run of born-digital documents reads their text layers in the driver and never starts Ray: Ray
starts when a window of documents needs Ray Data tasks (more than one row of pages) or a page
needs OCR.

Bulk conversion has OCR actors of its own instead of the service's `CpuOcr` deployment: a
deployment handle needs a running Serve application (its controller, proxy and replicas), which
`ocrchat convert` does not start, and a batch needs no HTTP, autoscaling or health checks. The
actors read pages with the same engine (`engines.page_reader.cpu_reader`) and the same options.
(Ray Data's own ActorPoolStrategy would reload the models for every window's dataset.)
"""

import itertools
import logging
from collections.abc import Callable

import numpy as np
import ray

from configs.ray_env import PAGE_READER_ENV, local_ray_options
from configs.settings import Settings
from pipelines.execution.page_loop import OcrSubmit

logger = logging.getLogger("ocrchat.convert")

# One actor per this many CPUs, with as many ONNX Runtime threads (two 1-thread actors on 2 cores
# were barely faster than one 2-thread actor, for twice the memory; docs/capacity.md).
CPUS_PER_OCR_ACTOR = 2


@ray.remote
class OcrActor:
    """PP-OCRv6 and Tesseract behind the language router, loaded at the first page."""

    def __init__(self, settings: Settings, threads: int) -> None:
        self._settings = settings
        self._threads = threads
        self._router = None

    def recognize(self, image: np.ndarray, language: str):
        if self._router is None:
            from engines.page_reader import cpu_reader  # loads the engines' libraries: only in the actor

            settings = self._settings
            self._router = cpu_reader(
                settings.model_cache_dir, self._threads, settings.det_limit_side_len, settings.cpu_profile
            )
        return self._router.recognize(image, language)


class _ActorCall:
    """An actor call in flight, as the page loop expects it (`result`, `cancel`)."""

    def __init__(self, ref: ray.ObjectRef) -> None:
        self._ref = ref

    def result(self):
        return ray.get(self._ref)

    def cancel(self) -> None:
        ray.cancel(self._ref)


# -> the run's OCR actors (started, where they were not yet, when first asked).
ActorList = Callable[[], list]


class StartedActors:
    """The run's OCR actors as a Ray Data task receives them: already started."""

    def __init__(self, actors: list) -> None:
        self._actors = actors

    def __call__(self) -> list:
        return self._actors


def round_robin(actors: ActorList, start: int) -> OcrSubmit:
    """OCR calls spread over the actors in turn, from actor number `start`."""
    turns = itertools.count(start)

    def submit(image: np.ndarray, language: str) -> _ActorCall:
        pool = actors()
        return _ActorCall(pool[next(turns) % len(pool)].recognize.remote(image, language))

    return submit


class RaySession:
    """Ray for the run, joined (`address`) or started loopback-only at first need; `close` stops
    the Ray it started. Its actors, too, start at first need and live for the whole run, so the
    models load once per run, not once per window."""

    def __init__(self, address: str | None, settings: Settings) -> None:
        self._address = address
        self._settings = settings
        self._actors: list | None = None
        self.started = False

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        # log_to_driver off: engine chatter from the workers would garble the progress bar.
        if self._address:
            ray.init(address=self._address, log_to_driver=False)
        else:
            ray.init(**local_ray_options(self._settings.ray_object_store_mb, dashboard=False), log_to_driver=False)

    def cpus(self) -> float:
        self.start()
        return float(ray.cluster_resources().get("CPU", 1))

    def actors(self) -> list:
        """The OCR actors: as many as the cluster's CPUs allow, CPUS_PER_OCR_ACTOR CPUs each."""
        if self._actors is None:
            cpus = self.cpus()
            per_actor = min(CPUS_PER_OCR_ACTOR, cpus)
            threads = self._settings.ocr_threads or max(1, int(per_actor))
            count = max(1, int(cpus // per_actor))
            options = {"num_cpus": per_actor, "runtime_env": {"env_vars": PAGE_READER_ENV}}
            self._actors = [OcrActor.options(**options).remote(self._settings, threads) for _ in range(count)]
        return self._actors

    def close(self) -> None:
        if self.started:
            ray.shutdown()
