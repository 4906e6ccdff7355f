"""ONNX Runtime session options shared by the cpu tier's models.

Every page has its own size, so the detection, layout and table models see new tensor shapes on
nearly every call. With ONNX Runtime's defaults (a CPU memory arena that keeps its largest
allocations, and memory patterns planned per shape) a long-lived replica's memory only grows: the
arena keeps the peak of the largest pages it ever read. Without them, each call's tensors go back
to glibc's malloc, which a process that reads pages runs with `configs.ray_env.PAGE_READER_ENV`
(docs/capacity.md, memory).
"""

import onnxruntime

# As `SessionOptions` attributes, and as paddlex's `engine_config` keys.
MEMORY_OPTIONS = {"enable_cpu_mem_arena": False, "enable_mem_pattern": False}


def session_options(threads: int) -> onnxruntime.SessionOptions:
    """Options for a model run on `threads` threads, one call at a time, without the arena."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    for name, value in MEMORY_OPTIONS.items():
        setattr(options, name, value)
    return options
