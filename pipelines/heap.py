"""Python's cyclic garbage collector in long-lived Ray processes.

A Ray worker holds hundreds of thousands of objects once Ray, Ray Data and our modules are
imported. A full collection scans them all, and lands inside a block of text-layer pages every
few jobs (docs/capacity.md). Frozen after a first collection, they are no longer scanned; objects made later
are collected as usual. Each Ray Data worker freezes at its first block, each Serve replica at the
end of its setup.
"""

import functools
import gc


@functools.cache
def freeze_startup_objects() -> None:
    """Collect once, then keep the surviving objects (modules, classes, Ray's state) out of
    every later collection. Once per process: later calls do nothing."""
    gc.collect()
    gc.freeze()
