"""The Redis that `ocrchat serve` starts: a password of its own, kept from other users."""

import os
import stat
import subprocess
import threading

import pytest
import redis

from configs.settings import Settings
from serve.redis_server import LocalRedis
from tests.conftest import free_port


def test_the_local_redis_password_is_made_once_and_kept_private(tmp_path):
    settings = Settings(state_dir=tmp_path)
    password = settings.local_redis_password
    assert len(password) >= 40 and Settings(state_dir=tmp_path).local_redis_password == password
    assert stat.S_IMODE(os.stat(tmp_path / "redis-password").st_mode) == 0o600
    assert settings.effective_redis_url == f"redis://:{password}@127.0.0.1:{settings.redis_port}/0"
    assert Settings(state_dir=tmp_path, redis_url="redis://elsewhere:6379/0").effective_redis_url.startswith(
        "redis://elsewhere"
    )


def test_a_local_redis_with_a_password_refuses_clients_without_it(tmp_path):
    server = LocalRedis(free_port(), tmp_path / "redis", password="not-on-the-command-line").start()
    try:
        assert redis.Redis.from_url(server.url).ping()
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=server.port).ping()
        processes = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        assert "not-on-the-command-line" not in processes
    finally:
        server.stop()


def test_a_second_local_redis_on_a_busy_port_fails_instead_of_taking_the_first_for_its_own(tmp_path):
    # A service restarted while the last one still stops: its Redis must not count the dying one as up.
    first = LocalRedis(free_port(), tmp_path / "redis", password="same-folder").start()
    try:
        first_client = redis.Redis.from_url(first.url)
        first_client.set("kept", "yes")
        with pytest.raises(RuntimeError, match=f"Is port {first.port} busy"):
            LocalRedis(first.port, tmp_path / "redis", password="same-folder").start()
        assert first_client.get("kept") == b"yes"
    finally:
        first.stop()


def test_a_local_redis_waits_for_a_port_that_a_stopping_redis_frees(tmp_path):
    first = LocalRedis(free_port(), tmp_path / "redis").start()
    stopper = threading.Timer(1.0, first.stop)
    stopper.start()
    second = LocalRedis(first.port, tmp_path / "redis").start(busy_wait=20)
    try:
        stopper.join()
        assert redis.Redis.from_url(second.url).ping()  # the first has stopped: this is the second
    finally:
        second.stop()
