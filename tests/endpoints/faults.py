"""A fault-injecting wrapper around any ASGI app that speaks the OpenAI API (genbench serve's), for
the tests: it counts every request it receives and answers a share of them with a fault instead —
timeouts, 500s, 429 with Retry-After, malformed JSON, truncated bodies, images of the wrong size,
the wrong number of images. Which request gets which fault is decided by the request's content and
how often it was seen, so a run is reproducible and retries can succeed."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
from collections import Counter
from typing import Any

TRANSIENT = ("timeout", "http_500", "http_429", "truncated_body")
PERMANENT = ("malformed_json", "wrong_size", "wrong_count")


class FaultyApp:
    def __init__(self, app: Any, share: float = 0.35, faults: tuple[str, ...] = TRANSIENT + PERMANENT,
                 hang_s: float = 2.0) -> None:
        self.app, self.share, self.faults, self.hang_s = app, share, faults, hang_s
        self.requests = Counter()  # route → requests received
        self.injected = Counter()  # fault → times injected
        self.seen = Counter()  # request body → times received

    def fault_for(self, body: bytes) -> str | None:
        self.seen[body] += 1
        digest = hashlib.sha256(body + str(self.seen[body]).encode()).digest()
        if int.from_bytes(digest[:4], "big") / 2**32 >= self.share:
            return None
        return self.faults[digest[4] % len(self.faults)]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        self.requests[scope["path"]] += 1
        fault = self.fault_for(body)
        if fault in ("wrong_size", "wrong_count") and not scope["path"].endswith("images/generations"):
            fault = "malformed_json"
        if fault is not None:
            self.injected[fault] += 1
        if fault == "timeout":
            await asyncio.sleep(self.hang_s)
            return await _respond(send, 200, b'{"late": true}')
        if fault == "http_500":
            return await _respond(send, 500, b'{"error": {"message": "injected"}}')
        if fault == "http_429":
            return await _respond(send, 429, b'{"error": {"message": "slow down"}}', [(b"retry-after", b"0.05")])
        if fault == "malformed_json":
            return await _respond(send, 200, b'{"choices": [{"message": ')
        status, headers, payload = await _inner(self.app, scope, body)
        if fault == "truncated_body":  # promise the whole body, send half, close
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(payload)).encode())]})
            await send({"type": "http.response.body", "body": payload[: len(payload) // 2], "more_body": True})
            raise ConnectionResetError("injected truncation")
        if fault in ("wrong_size", "wrong_count") and status == 200:
            answer = json.loads(payload)
            if fault == "wrong_count":
                answer["data"] = answer["data"][:-1] if len(answer["data"]) > 1 else answer["data"] * 2
            else:
                answer["data"][0]["b64_json"] = _png(9, 9)
            payload = json.dumps(answer).encode()
        await _respond(send, status, payload, [h for h in headers if h[0] != b"content-length"])


async def _inner(app: Any, scope: dict, body: bytes) -> tuple[int, list, bytes]:
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status, headers, parts = 500, [], []

    async def send(message: dict) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, headers, b"".join(parts)


async def _respond(send: Any, status: int, payload: bytes, headers: list | None = None) -> None:
    headers = [(b"content-type", b"application/json")] + [h for h in (headers or []) if h[0] != b"content-type"]
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


def _png(width: int, height: int) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (width, height), 128).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()
