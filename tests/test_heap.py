"""Freezing a process's startup objects keeps them out of collections, not later garbage."""

import gc
import weakref

from pipelines.heap import freeze_startup_objects


class Node:
    other: "Node"


def test_cycles_made_after_the_freeze_are_still_collected():
    freeze_startup_objects()
    frozen = gc.get_freeze_count()
    freeze_startup_objects()  # once per process
    assert frozen > 1000 and gc.get_freeze_count() == frozen

    first, second = Node(), Node()
    first.other, second.other = second, first
    alive = weakref.ref(first)
    del first, second
    gc.collect()
    assert alive() is None
