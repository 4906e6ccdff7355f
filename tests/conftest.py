"""Session fixtures: a real redis-server, a real local Ray with the Serve app, an HTTP client."""

import base64
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from configs.ray_env import apply_local_ray_env

apply_local_ray_env()  # before anything imports ray

from serve.redis_server import LocalRedis  # noqa: E402

DATA = Path(__file__).parent / "data"
TEST_UPLOAD_LIMIT_MB = 2  # small, so the size-limit test stays fast
ANONYMOUS_DAILY_PAGES = 1_000_000
JOB_LEASE_SECONDS = 20
UPLOAD_DEADLINE_SECONDS = 20
ANONYMOUS_WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"the test service's secret").decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Ray's Prometheus endpoint of the test cluster (the metrics test scrapes it).
METRICS_PORT = free_port()


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="session")
def redis_server(state_dir: Path) -> Iterator[LocalRedis]:
    server = LocalRedis(free_port(), state_dir / "redis").start()
    yield server
    server.stop()


class Service:
    """The Serve app under test; `restart` redeploys it so that every replica is new."""

    def __init__(self, args: dict) -> None:
        self.args = args
        self.url = f"http://127.0.0.1:{args['port']}"

    def deploy(self) -> None:
        from ray import serve

        from serve.app import build_app

        serve.run(build_app(self.args), name="ocrchat", route_prefix="/")

    def restart(self) -> None:
        from ray import serve

        serve.delete("ocrchat")
        self.deploy()


@pytest.fixture(scope="session")
def service(redis_server: LocalRedis, state_dir: Path) -> Iterator[Service]:
    import ray
    from ray import serve

    port = free_port()
    ray.init(
        address="local",
        num_cpus=2,
        object_store_memory=300 * 1024 * 1024,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _metrics_export_port=METRICS_PORT,
        log_to_driver=False,
    )
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    app = Service(
        {
            "redis_url": redis_server.url,
            "port": port,
            "state_dir": str(state_dir),
            "max_upload_mb": TEST_UPLOAD_LIMIT_MB,
            # Most tests are anonymous calls from 127.0.0.1: they must not run out of pages.
            # The metering tests name other clients through X-Forwarded-For from this proxy.
            "anonymous_daily_pages": ANONYMOUS_DAILY_PAGES,
            "anonymous_max_pages_per_file": 10000,
            "trusted_proxies": "127.0.0.1",
            # Short, so that the lost-job test sees a lease run out; runners renew every 5 s.
            "job_lease_seconds": JOB_LEASE_SECONDS,
            # Short, so that the test of a trickling upload sees it run out.
            "upload_deadline_seconds": UPLOAD_DEADLINE_SECONDS,
            # The webhook tests' receiver listens on 127.0.0.1.
            "webhook_allow_private": True,
            "webhook_secret": ANONYMOUS_WEBHOOK_SECRET,
        }
    )
    app.deploy()
    yield app
    serve.shutdown()
    ray.shutdown()


@pytest.fixture(scope="session")
def metrics_url(service: Service) -> str:
    """Ray's Prometheus endpoint of the test cluster. (A fixture, not an import: a test module
    importing conftest would get a second copy of it, with another free port.)"""
    return f"http://127.0.0.1:{METRICS_PORT}/metrics"


@pytest.fixture(scope="session")
def client(service: Service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=300) as http:
        yield http


@pytest.fixture(scope="session")
def router(tmp_path_factory: pytest.TempPathFactory):
    """The CPU tier's router in this process: PP-OCRv6 and Tesseract with the Debian packs."""
    from engines.paddle_cpu import PaddleCpuEngine
    from engines.router import CpuRouter
    from engines.tesseract_cpu import TesseractEngine

    tesseract = TesseractEngine()
    if not tesseract.has_model("osd"):
        pytest.fail(
            f"Tesseract packs missing in {tesseract.tessdata}: install `python3 -m engines.languages --debian-packages`"
        )
    return CpuRouter(PaddleCpuEngine(tmp_path_factory.mktemp("models"), threads=2), tesseract)
