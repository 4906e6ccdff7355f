"""A CPU-OCR replica that grows past `ocr_replica_max_rss_mb` is replaced by Serve."""

import time

import pytest
import ray
from ray import serve

from configs.settings import Settings
from serve.ocr_worker import CpuOcr, resident_mb

APP = "recycling-test"


def test_resident_memory_is_read_from_the_process():
    assert 10 < resident_mb() < 24 * 1024  # this pytest process, with Ray imported


def _replica_actors() -> set[str]:
    """Names of the live replicas of the capped deployment (each new replica has a new name)."""
    names = (actor["name"] for actor in ray.util.list_named_actors(all_namespaces=True))
    return {name for name in names if f"{APP}#CpuOcrCapped#" in name}


@pytest.mark.slow
def test_a_replica_over_its_memory_cap_is_replaced(service):
    capped = Settings(**{**service.args, "ocr_replica_max_rss_mb": 1})  # any replica is over 1 MB
    deployment = CpuOcr.options(
        name="CpuOcrCapped",
        num_replicas=1,
        health_check_period_s=2,
        ray_actor_options={"num_cpus": 0},  # the session's own replica holds both CPUs
    )
    # Not `serve.run`: it waits for a healthy app, and this replica is never healthy for long.
    serve._run(deployment.bind(capped, 1), name=APP, route_prefix=None, _blocking=False)
    try:
        seen: set[str] = set()
        deadline = time.monotonic() + 240
        while len(seen) < 2 and time.monotonic() < deadline:
            seen |= _replica_actors()
            time.sleep(1)
        assert len(seen) >= 2, f"the capped replica was not replaced (replicas seen: {seen})"
    finally:
        serve.delete(APP)
