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
    # paddlex probes model hosts at import unless told not to; we never download.
    "PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK": "True",
}


def apply_local_ray_env() -> None:
    """Set the defaults above where the operator hasn't set them."""
    for name, value in LOCAL_RAY_ENV.items():
        os.environ.setdefault(name, value)
