"""A local redis-server process for `ocrchat serve` and the tests."""

import logging
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

logger = logging.getLogger("ocrchat")


class LocalRedis:
    """redis-server bound to 127.0.0.1, with append-only persistence in `data_dir`; with a
    password, every client must give it (other users of the machine cannot read it: it is passed
    in a config file only its owner reads, not on the command line)."""

    def __init__(self, port: int, data_dir: Path, password: str | None = None) -> None:
        self.port = port
        self.data_dir = data_dir
        self._password = password
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        auth = f":{self._password}@" if self._password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0, busy_wait: float = 0.0) -> "LocalRedis":
        """Start redis-server and wait until it answers. `busy_wait`: seconds to wait first for the port
        to be free (a service restarted while the last one still stops its Redis)."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server).")
        self._wait_for_free_port(busy_wait)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [
                binary,
                str(self._config_file()),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.data_dir),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--protected-mode",
                "yes",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            # Its own session: a Ctrl-C in the terminal reaches `ocrchat serve`, which stops Redis
            # last, after the replicas have written their last pages; not Redis first.
            start_new_session=True,
        )
        self._wait_ready(timeout)
        return self

    def _wait_for_free_port(self, seconds: float) -> None:
        """Until nothing accepts connections on the port, at most `seconds`."""
        if seconds <= 0 or not self._port_taken():
            return
        logger.info("Port %s is busy (another ocrchat serve stopping?): waiting up to %.0f s", self.port, seconds)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self._port_taken():
            time.sleep(0.2)

    def _port_taken(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def _config_file(self) -> Path:
        """The settings that must not show in the process list."""
        path = self.data_dir / "redis.conf"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as config:
            config.write(f'requirepass "{self._password}"\n' if self._password else "")
        return path

    def _wait_ready(self, timeout: float) -> None:
        """Until our redis-server answers. Another one answering on the port (a service still stopping,
        or another one running, from the same folder) is not ours: ours then fails to bind and exits."""
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(
                    f"redis-server exited with status {self._process.returncode}. Is port {self.port} busy (another "
                    "`ocrchat serve` still running or stopping)? OCRCHAT_REDIS_PORT picks another port."
                )
            try:
                if self._answers(client):
                    return
            except redis.RedisError:  # not up yet, or another server that refuses our password
                pass
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port} within {timeout} s.")

    def _answers(self, client: redis.Redis) -> bool:
        """Whether the server answering on the port is the process we started."""
        return self._process is not None and client.info("server")["process_id"] == self._process.pid

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._process = None

    def kill(self) -> None:
        """At once, without Redis's own shutdown (the last resort of a stop that hangs)."""
        process = self._process
        if process is not None:
            process.kill()
