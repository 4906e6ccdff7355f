"""Returning a process's freed native heap to the operating system (glibc's `malloc_trim`).

An OCR process's page tensors come from malloc (`configs.ray_env.PAGE_READER_ENV`), and glibc
keeps what a page freed for the next one: a replica held 1.6 GB after eight pages, 0.8 GB once
trimmed (docs/capacity.md). Elsewhere than glibc this does nothing.
"""

import ctypes
import functools


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def trim() -> bool:
    """Give the freed memory of every malloc arena back to the system; whether any was given."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0))
