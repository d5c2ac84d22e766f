"""Run a request's CPU-bound work (detection, classification, treatments) off the event loop
on the worker's compute threads (``Services.compute``, one by default).

Why not ``asyncio.to_thread``: its pool grows to several threads, and several threads doing
detection at once hand the interpreter lock to each other at every numpy, Hyperscan and re2
call. Measured on the scenario record (2 cores): one thread 1.24 ms per detection, four
threads 2.7 ms each. Requests queue for the compute thread instead, in arrival order.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from pii_guard.services import Services

P = ParamSpec("P")
T = TypeVar("T")


async def in_compute(services: Services, work: Callable[P, T], *args: P.args,
                     **kwargs: P.kwargs) -> T:
    """``work(*args, **kwargs)`` on a compute thread, with this request's context variables
    (the log's request id) as ``asyncio.to_thread`` would carry them."""
    context = contextvars.copy_context()
    call = functools.partial(context.run, work, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(services.compute, call)
