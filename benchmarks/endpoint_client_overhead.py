"""Benchmark: the endpoint client's own overhead, against a server that answers instantly.

The server (a separate process, the standard library's asyncio, one fixed chat completion per
request on keep-alive connections) costs next to nothing, so requests per second measure genbench:
request building, the cache lookup, aiohttp, the bounded queue and workers, the retry wrapper,
checking each answer and writing it to the response cache (SQLite WAL). A second pass over the same
requests is answered from the cache without sending anything. Target: at least 2,000 requests/s
with the cache on (first pass) on 2 cores. Bare aiohttp and bare httpx against the same server, at
the same concurrency, are printed beside it: the floor genbench's overhead sits on, and the reason
the transport is aiohttp.

    python benchmarks/endpoint_client_overhead.py --requests 5000 --concurrency 16 --repeats 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

SERVER = textwrap.dedent('''
    import asyncio, sys
    BODY = b'{"id":"x","object":"chat.completion","created":0,"model":"instant","choices":[{"index":0,"message":{"role":"assistant","content":"In the beginning."},"finish_reason":"stop"}],"usage":{"prompt_tokens":20,"completion_tokens":3,"total_tokens":23}}'
    HEAD = b"HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: " + str(len(BODY)).encode() + b"\\r\\n\\r\\n"
    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\\r\\n\\r\\n")
                length = 0
                for line in head.split(b"\\r\\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                writer.write(HEAD + BODY)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
        print("ready", flush=True)
        await server.serve_forever()
    asyncio.run(main())
''')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BODY = {"model": "instant", "messages": [{"role": "user", "content": "Versículo número 1."}]}


def bare_httpx(port: int, requests: int, concurrency: int) -> float:
    """Requests/s of httpx alone: workers on one client's pool, as genbench's transport would use it."""
    import httpx

    async def go() -> float:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/v1/", limits=limits) as client:
            left = iter(range(requests))

            async def worker() -> None:
                for _ in left:
                    (await client.post("chat/completions", json=BODY)).json()

            start = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return requests / (time.perf_counter() - start)

    return asyncio.run(go())


def bare_aiohttp(port: int, requests: int, concurrency: int) -> float:
    """Requests/s of aiohttp alone, the same way."""
    import aiohttp

    async def go() -> float:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            left = iter(range(requests))

            async def worker() -> None:
                for _ in left:
                    async with session.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=BODY) as reply:
                        await reply.json()

            start = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return requests / (time.perf_counter() - start)

    return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from genbench.endpoints.client import ChatEndpoint
    from genbench.endpoints.config import EndpointConfig
    from genbench.tasks.spec import TASKS

    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        task = TASKS.get("text/translate-es-en")
        sent, cached = [], []
        for repeat in range(args.repeats):
            with tempfile.TemporaryDirectory() as folder:
                config = EndpointConfig("instant", f"http://127.0.0.1:{port}/v1", "instant",
                                        concurrency=args.concurrency, cache_dir=Path(folder))
                model = ChatEndpoint(config, "endpoint:instant")
                model.bind(task, 0, args.requests)
                sources = [f"Versículo número {i}: en el principio era el Verbo." for i in range(args.requests)]
                start = time.perf_counter()
                out = model.translate(sources)
                sent.append(args.requests / (time.perf_counter() - start))
                assert len(out) == args.requests and len(model.cache) == args.requests
                start = time.perf_counter()
                model.translate(sources)
                cached.append(args.requests / (time.perf_counter() - start))
            aio, hx = bare_aiohttp(port, args.requests, args.concurrency), bare_httpx(port, args.requests,
                                                                                     args.concurrency)
            print(f"repeat {repeat + 1}: {sent[-1]:,.0f} requests/s sent and cached, "
                  f"{cached[-1]:,.0f} answers/s from the cache; bare aiohttp {aio:,.0f}, bare httpx {hx:,.0f} "
                  "requests/s")
        print(f"client overhead, {args.requests:,} requests at concurrency {args.concurrency}, cache on: "
              f"best {max(sent):,.0f} requests/s (median {sorted(sent)[len(sent) // 2]:,.0f}); rerun from the "
              f"cache best {max(cached):,.0f} answers/s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
              "CPUs shared with other work")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
