"""Feeding a funding app events as the kernel's consumer reads them (httpx.MockTransport feeds)."""

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx
from fastapi import FastAPI

from services.common.consumer import FeedConsumer, Handler


def feed(events: list[tuple[str, dict[str, Any]]]) -> httpx.MockTransport:
    """A producer's `/v1/events` answering `after=` with the events past it."""
    items = [
        {"seq": i + 1, "id": f"evt_{i + 1}", "type": t, "payload": p,
         "occurred_at": "2026-03-01T02:00:00+00:00"}
        for i, (t, p) in enumerate(events)
    ]  # fmt: skip

    def answer(request: httpx.Request) -> httpx.Response:
        after = int(request.url.params["after"])
        return httpx.Response(200, json={"items": [e for e in items if e["seq"] > after]})

    return httpx.MockTransport(answer)


def consume(
    app: FastAPI, name: str, handlers: Mapping[str, Handler], events: list[tuple[str, Any]]
) -> int:
    """Run one consumer named `name` over `events` until caught up; how many it applied."""
    consumer = FeedConsumer(
        name=name,
        feed_url="http://feed/v1/events",
        database=app.state.database,
        handlers=handlers,
        client=httpx.AsyncClient(transport=feed(events)),
    )

    async def run() -> int:
        try:
            return await consumer.catch_up()
        finally:
            await consumer.aclose()

    return asyncio.run(run())
