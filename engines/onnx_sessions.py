"""ONNX Runtime session options shared by the cpu tier's models, and the C allocator's settings
of the process that runs them.

Every page has its own size, so the detection, layout and table models see new tensor shapes on
nearly every call. With ONNX Runtime's defaults (a CPU memory arena that keeps its largest
allocations, and memory patterns planned per shape) a long-lived replica's memory only grows: the
arena keeps the peak of the largest pages it ever read. Without them, each call's tensors go back
to the C allocator (glibc's malloc), set here to keep a bounded amount of freed memory for the next
page instead of returning every large tensor to the kernel and faulting it in again
(docs/capacity.md, memory).
"""

import ctypes
import logging

import onnxruntime

logger = logging.getLogger(__name__)

# As `SessionOptions` attributes, and as paddlex's `engine_config` keys.
MEMORY_OPTIONS = {"enable_cpu_mem_arena": False, "enable_mem_pattern": False}

# glibc's mallopt parameters (malloc.h) and the values for a process that reads pages.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
_PAGE_MALLOC = {
    # Tensors come from the heap, not from fresh mappings that the kernel zeroes on every call.
    _M_MMAP_THRESHOLD: 1 << 30,
    # At most this much freed memory stays with the process for the next page.
    _M_TRIM_THRESHOLD: 256 << 20,
    # Few arenas: each keeps its own freed memory (glibc's default is 8 per core).
    _M_ARENA_MAX: 2,
}


def session_options(threads: int) -> onnxruntime.SessionOptions:
    """Options for a model run on `threads` threads, one call at a time, without the arena."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    for name, value in MEMORY_OPTIONS.items():
        setattr(options, name, value)
    return options


def tune_malloc_for_pages() -> bool:
    """Set this process's C allocator for reading pages (above); False where it is not glibc."""
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    applied = all(mallopt(parameter, value) == 1 for parameter, value in _PAGE_MALLOC.items())
    if not applied:
        logger.warning("glibc refused a malloc setting: page memory may be returned and faulted in again")
    return applied
