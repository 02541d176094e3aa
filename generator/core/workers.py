"""One pool of worker processes, for work that is CPU-bound Python and C (rendering).

Used where many independent items are rendered (newsletters on a first build, kits): each
worker gets the run's shared state once, then items in chunks; results come back in order.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
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
