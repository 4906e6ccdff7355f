"""`ocrchat serve`: start Redis (unless one is configured), a local Ray, and the Serve app,
in the foreground, and stop all of it on Ctrl-C or SIGTERM."""

import logging
import signal
import threading

from configs.ray_env import apply_local_ray_env, local_ray_options
from configs.settings import Settings
from serve.redis_server import LocalRedis

logger = logging.getLogger("ocrchat")
APP_NAME = "ocrchat"


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
            local_redis = LocalRedis(settings.redis_port, settings.state_dir / "redis", password).start()
            logger.info("Redis started on 127.0.0.1:%s (data in %s)", local_redis.port, local_redis.data_dir)
        start_ray(settings)
        # After ray.init, which installs a SIGTERM handler of its own that aborts the driver.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        start_serve(settings)
        print(f"ocrchat is serving on http://{settings.host}:{settings.port} (Ctrl-C stops it)", flush=True)
        stop.wait()
    finally:
        _shutdown(local_redis)


def _shutdown(local_redis: LocalRedis | None) -> None:
    import ray
    from ray import serve

    if ray.is_initialized():
        serve.shutdown()
        ray.shutdown()
    if local_redis is not None:
        local_redis.stop()
    print("ocrchat stopped.", flush=True)
