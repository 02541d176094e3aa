"""One pool of worker processes, for work that is CPU-bound Python and C (rendering, scanning).

Used where many independent items are rendered (newsletters on a first build, kits): each
worker gets the run's shared state once, then items in chunks; results come back in order.
``in_background`` gives one worker that takes items while this process goes on working (the
build's scan and search indexing of each page MkDocs writes, beside MkDocs: ``site/beside.py``).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

State = TypeVar("State")
Item = TypeVar("Item")
Result = TypeVar("Result")

_work: Callable[[Any, Any], Any] | None = None
_state: Any = None


def _start(work: Callable[[Any, Any], Any], state: Any) -> None:
    global _work, _state
    _work, _state = work, state


def _one(item: Any) -> Any:
    assert _work is not None
    return _work(_state, item)


def in_workers(
    work: Callable[[State, Item], Result],
    state: State,
    items: Iterable[Item],
    workers: int,
    *,
    chunksize: int = 8,
) -> Iterator[Result]:
    """``work(state, item)`` for every item, in ``workers`` processes; results in order.

    Fork keeps what the parent loaded (fonts, templates, parsed campaigns): never call this
    from a process that runs threads (the preview server), whose locks a fork would copy held.
    """
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start, initargs=(work, state)
    ) as pool:
        yield from pool.map(_one, items, chunksize=chunksize)


@contextmanager
def in_background(
    work: Callable[[State, Item], Result], state: State
) -> Iterator[Callable[[Item], Future[Result]] | None]:
    """A function that hands ``item`` to one worker process for ``work(state, item)``.

    The worker is forked at once, before this process starts threads of its own (the pool's
    run beside it); in a process that runs threads already there is no worker (``None``: do
    the work in place). Work not collected when the block ends is dropped.
    """
    if threading.active_count() > 1:  # a fork would copy the other threads' locks held
        yield None
        return
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(1, mp_context=context, initializer=_start, initargs=(work, state))
    try:
        pool.submit(int)  # forks the worker now, before the pool's own threads start
        yield lambda item: pool.submit(_one, item)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
