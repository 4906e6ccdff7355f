"""Environment for a local, loopback-only Ray. Must run before `ray` is imported."""

import os

LOCAL_RAY_ENV = {
    # No usage reports leave the machine.
    "RAY_USAGE_STATS_ENABLED": "0",
    # Ray 2.60 turns on token auth for new local clusters. Ours listens on 127.0.0.1 only,
    # so no other machine can reach it; a real cluster brings its own auth settings.
    "RAY_AUTH_MODE": "disabled",
    # With this at 0 Ray takes 127.0.0.1 as the node address instead of the host's
    # external address, so GCS and raylet are not reachable from the network.
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    # Keep idle workers around so that each job doesn't pay for new worker processes.
    "RAY_idle_worker_killing_time_threshold_ms": "600000",
    # Serve's background work, which takes CPU from OCR on a small machine: its controller's loop
    # runs every 0.1 s, and every replica and handle exports its metrics every 0.1 s. Measured on
    # 2 cores, the idle service used 12.5% of a core with the defaults and 7.8% with these
    # (docs/capacity.md). Metrics still reach Prometheus every 10 s; a replica that dies is
    # replaced within half a second more.
    "RAY_SERVE_CONTROL_LOOP_INTERVAL_S": "0.5",
    "RAY_SERVE_METRICS_EXPORT_INTERVAL_MS": "1000",
    # Ray's log monitor lists the session's log files every 0.1 s while there are fewer than
    # RAY_LOG_MONITOR_MANY_FILES_THRESHOLD of them (its LOG_NAME_UPDATE_INTERVAL_S applies only
    # above): 0.8% of a core on an idle service. Listed every 5 s instead, a new worker's log lines
    # reach the driver up to 5 s later; new lines of known files are still read every 0.1 s.
    "RAY_LOG_MONITOR_MANY_FILES_THRESHOLD": "1",
    "LOG_NAME_UPDATE_INTERVAL_S": "5",
    # Ray starts its workers (the OCR replicas among them) at nice 15, below its own raylet, GCS
    # and agents, which then preempt a replica whenever they wake. At nice 0 the replicas spent
    # 3.5% less CPU a page (docs/capacity.md). Set 15 to let a desktop's other programs go first.
    "RAY_worker_niceness": "0",
    # glibc gives each thread that allocates an arena of its own (up to 8 per core), and each arena
    # keeps memory it once held; a Ray process runs dozens of threads. The OCR replicas set their
    # allocator themselves (engines/onnx_sessions.py); this covers Ray's other processes.
    "MALLOC_ARENA_MAX": "2",
    # paddlex probes model hosts at import unless told not to; we never download.
    "PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK": "True",
}


# glibc's malloc for a process that reads pages (the OCR replicas: `runtime_env` in
# configs/serve_*.yaml; the converter's OCR actors). glibc reads these only when a process starts.
# Its models run without ONNX Runtime's arena (engines/onnx_sessions.py), so every page's large
# tensors come from malloc: by default, from a fresh mapping each (a thread's arena cannot hold
# them), which the kernel zeroes and faults in on every call. One arena, large blocks from the
# heap, and at most this much freed memory kept for the next page; an idle replica gives all its freed
# memory back (`engines/native_heap.py`).
PAGE_READER_ENV = {
    "MALLOC_ARENA_MAX": "1",
    "MALLOC_MMAP_THRESHOLD_": str(1 << 30),
    "MALLOC_TRIM_THRESHOLD_": str(256 << 20),
}


def apply_local_ray_env() -> None:
    """Set the defaults above where the operator hasn't set them."""
    for name, value in LOCAL_RAY_ENV.items():
        os.environ.setdefault(name, value)


def local_ray_options(object_store_mb: int, dashboard: bool) -> dict:
    """`ray.init` arguments of a local Ray on this machine's CPUs, bound to 127.0.0.1."""
    return {
        "address": "local",
        "num_cpus": os.cpu_count(),
        "object_store_memory": object_store_mb * 1024 * 1024,
        "include_dashboard": dashboard,
        "dashboard_host": "127.0.0.1",
        "_node_ip_address": "127.0.0.1",
    }
