"""Micro-batching: concurrent requests wait up to ``max_wait_s`` to share one model call of at most
``max_items`` items. Model calls run one at a time in a worker thread, so the event loop keeps
accepting requests while the model works."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

# A group's items → one result per item. Called in the worker thread.
BatchCall = Callable[[list[Any]], Sequence[Any]]


class MicroBatcher:
    def __init__(self, call: BatchCall, max_items: int = 64, max_wait_s: float = 0.005) -> None:
        self.call, self.max_items, self.max_wait_s = call, max_items, max_wait_s
        self._queue: asyncio.Queue[tuple[list[Any], asyncio.Future]] | None = None
        self._worker: asyncio.Task | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="genbench-model")

    async def submit(self, items: list[Any]) -> list[Any]:
        """The results for ``items`` (one request's), computed together with whatever else is waiting."""
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._run())
        future = asyncio.get_running_loop().create_future()
        await self._queue.put((items, future))
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            group = [await self._queue.get()]
            count = len(group[0][0])
            deadline = loop.time() + self.max_wait_s
            while count < self.max_items:
                try:
                    item = self._queue.get_nowait() if self._queue.qsize() else await asyncio.wait_for(
                        self._queue.get(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    break
                group.append(item)
                count += len(item[0])
            flat = [x for items, _ in group for x in items]
            try:
                results = list(await loop.run_in_executor(self._pool, self.call, flat))
                if len(results) != len(flat):
                    raise RuntimeError(f"the model returned {len(results)} results for {len(flat)} items")
            except Exception as exc:  # every waiting request gets the failure
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                continue
            start = 0
            for items, future in group:
                if not future.done():
                    future.set_result(results[start:start + len(items)])
                start += len(items)

    def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)
