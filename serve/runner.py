"""`ocrchat serve`: start Redis (unless one is configured), a local Ray, and the Serve app,
in the foreground, and stop all of it on Ctrl-C or SIGTERM."""

import logging
import os
import signal
import threading
import time

from configs.ray_env import apply_local_ray_env, local_ray_options
from configs.settings import Settings
from serve.redis_server import LocalRedis

logger = logging.getLogger("ocrchat")
APP_NAME = "ocrchat"
# Ctrl-C or SIGTERM stops everything within 20 s: Serve and Ray get this long to stop gracefully,
SHUTDOWN_SECONDS = 12
# and whatever still runs this long after the stop began is killed, this process too.
HARD_STOP_SECONDS = 17
# A service started while the last one stops waits this long for that one's Redis port: it is freed last.
REDIS_PORT_WAIT_SECONDS = HARD_STOP_SECONDS + 3


def start_ray(settings: Settings) -> None:
    apply_local_ray_env()
    import ray

    if settings.ray_address:
        ray.init(address=settings.ray_address)
        return
    ray.init(**local_ray_options(settings.ray_object_store_mb, settings.dashboard))


def start_serve(settings: Settings) -> None:
    from ray import serve

    from serve.app import build_app

    serve.start(http_options={"host": settings.host, "port": settings.port})
    serve.run(build_app(), name=APP_NAME, route_prefix="/")


def run_service(settings: Settings) -> None:
    stop = threading.Event()
    local_redis = None
    try:
        if settings.redis_url is None:
            password = settings.local_redis_password
            local_redis = LocalRedis(settings.redis_port, settings.state_dir / "redis", password)
            local_redis.start(busy_wait=REDIS_PORT_WAIT_SECONDS)
            logger.info("Redis started on 127.0.0.1:%s (data in %s)", local_redis.port, local_redis.data_dir)
        start_ray(settings)
        # After ray.init, which installs a SIGTERM handler of its own that aborts the driver.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _on_stop_signal(stop))
        start_serve(settings)
        print(f"ocrchat is serving on http://{settings.host}:{settings.port} (Ctrl-C stops it)", flush=True)
        while not stop.wait(1.0):  # a timed wait: signal handlers run between its rounds
            pass
    finally:
        _shutdown(local_redis)


def _on_stop_signal(stop: threading.Event):
    """The first Ctrl-C or SIGTERM stops the service; a second one while it stops, at once."""

    def handler(signum: int, _frame) -> None:
        if stop.is_set():
            print("Stopping now.", flush=True)
            os._exit(128 + signum)
        stop.set()

    return handler


def _shutdown(local_redis: LocalRedis | None) -> None:
    """Serve and Ray within SHUTDOWN_SECONDS (then Ray's processes are killed), then Redis: the
    replicas may still write their last pages while they stop."""
    _kill_everything_after(HARD_STOP_SECONDS, local_redis)
    time.sleep(1)  # a signal to the whole process group reaches Ray's processes too: let them go
    forced = not _ray_whole()
    if not forced:
        done = threading.Thread(target=_stop_ray, name="stop-ray", daemon=True)
        done.start()
        done.join(SHUTDOWN_SECONDS)
        forced = done.is_alive()
    if forced:
        logger.warning("Ray could not stop gracefully (within %s s); killing its processes", SHUTDOWN_SECONDS)
        _kill_ray()
    if local_redis is not None:
        local_redis.stop()
    print("ocrchat stopped.", flush=True)
    if forced:  # Ray's threads in this process would hold it up (its exit handlers wait for the dead GCS)
        os._exit(1)


def _kill_everything_after(seconds: float, local_redis: LocalRedis | None) -> None:
    """A stop that hangs (in Ray's exit handlers, in Redis's own shutdown) ends all the same."""

    def kill_everything() -> None:
        logger.warning("ocrchat did not stop within %s s; killing what is left", seconds)
        _kill_ray()
        if local_redis is not None:
            local_redis.kill()
        os._exit(1)

    timer = threading.Timer(seconds, kill_everything)
    timer.daemon = True
    timer.start()


def _stop_ray() -> None:
    import ray
    from ray import serve

    if ray.is_initialized():
        serve.shutdown()
        ray.shutdown()


def _ray_whole() -> bool:
    """Whether every process of the local Ray this process started still runs (True when it
    started none): without its GCS or raylet, a graceful stop would only wait for them."""
    import ray

    node = ray._private.worker._global_node
    return node is None or not node.dead_processes()


def _kill_ray() -> None:
    import ray

    node = ray._private.worker._global_node  # the local Ray this process started, if any
    if node is not None:
        node.kill_all_processes(check_alive=False, allow_graceful=False)
