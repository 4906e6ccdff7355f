"""A benchmark that times an OCR engine in its own process runs it as the service runs its OCR
replicas: with the page readers' malloc settings (`configs.ray_env.PAGE_READER_ENV`). glibc reads
them when a process starts, so the benchmark starts itself again with them; the service it starts,
if any, gets the environment it would get from a user (`without_page_reader_env`)."""

import os
import sys

from configs.ray_env import PAGE_READER_ENV


def run_as_page_reader() -> None:
    """Re-execute this process with PAGE_READER_ENV, unless it already runs with it."""
    if all(os.environ.get(name) == value for name, value in PAGE_READER_ENV.items()):
        return
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], os.environ | PAGE_READER_ENV)


def without_page_reader_env(env: dict[str, str]) -> dict[str, str]:
    """`env` without the settings `run_as_page_reader` added."""
    return {name: value for name, value in env.items() if PAGE_READER_ENV.get(name) != value}
