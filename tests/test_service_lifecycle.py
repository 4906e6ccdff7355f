"""`ocrchat serve` as `make run` starts it: up, then stopped by Ctrl-C (SIGINT to the terminal's
process group) or SIGTERM, with everything it started, within 20 s."""

import os
import signal
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from tests.conftest import free_port

STOP_SECONDS = 20


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_to_the_process_group_stops_everything(tmp_path, signum):
    port = free_port()
    env = {name: value for name, value in os.environ.items() if name != "OCRCHAT_REDIS_URL"}
    env |= {"OCRCHAT_PORT": str(port), "OCRCHAT_REDIS_PORT": str(free_port()), "OCRCHAT_STATE_DIR": str(tmp_path)}
    log = (tmp_path / "service.log").open("w+")
    service = subprocess.Popen(
        [sys.executable, "-m", "serve.cli", "serve"],
        env=env,
        start_new_session=True,  # its own process group, as the terminal's foreground job is
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", service, log)
        started = set(psutil.Process(service.pid).children(recursive=True))
        assert any("redis-server" in " ".join(child.cmdline()) for child in started)
        os.killpg(service.pid, signum)
        try:
            service.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {STOP_SECONDS} s after the signal:\n{_tail(log)}") from None
        stopped_at = time.monotonic()
        output = _tail(log)
        assert "ocrchat stopped." in output, output
        _gone, alive = psutil.wait_procs(started, timeout=max(0.1, STOP_SECONDS - (time.monotonic() - stopped_at)))
        assert not alive, [" ".join(process.cmdline())[:120] for process in alive]
    finally:
        if service.poll() is None:
            os.killpg(service.pid, signal.SIGKILL)


def _tail(log) -> str:
    log.seek(0)
    return log.read()[-3000:]


def _wait_healthy(url: str, service: subprocess.Popen, log, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert service.poll() is None, _tail(log)
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} was not healthy within {timeout} s")


def test_a_stop_that_hangs_is_ended_with_what_it_started(tmp_path):
    hangs = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from serve.redis_server import LocalRedis\n"
        "from serve.runner import _kill_everything_after\n"
        f"redis = LocalRedis({free_port()}, Path({str(tmp_path)!r})).start()\n"
        "print(redis._process.pid, flush=True)\n"
        "_kill_everything_after(1.0, redis)\n"
        "time.sleep(60)  # as Ray's exit handlers do when its GCS is gone\n"
    )
    process = subprocess.run([sys.executable, "-c", hangs], capture_output=True, text=True, timeout=30)
    assert process.returncode == 1, process.stderr
    assert "did not stop within 1.0 s" in process.stderr
    redis_pid = int(process.stdout.split()[0])
    assert not psutil.pid_exists(redis_pid) or psutil.Process(redis_pid).status() == psutil.STATUS_ZOMBIE
