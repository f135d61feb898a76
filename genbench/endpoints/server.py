"""``genbench serve``: any registered model behind the OpenAI-compatible API the endpoint client
speaks — ``POST /v1/chat/completions`` (translators; sampled at ``temperature`` > 0 by models that
sample), ``POST /v1/completions`` with ``echo`` and ``logprobs`` (text likelihood models that score
per token), ``POST /v1/images/generations`` (image samplers and conditional samplers,
``b64_json``), ``GET /v1/models`` and ``GET /health`` — on uvicorn, with concurrent requests
micro-batched into one model call.

Prompts are read back with the task kinds' default templates (genbench.endpoints.prompts): a chat
message made from the translation template is translated as its Spanish source, any other message
as a whole, greedily unless the request asks for ``temperature`` > 0 (then sampled with a generator
seeded from the request's ``seed``; a model that cannot sample refuses it); an image prompt names the
class (``"3"``) for a conditional model and is ignored by an unconditional one. Chat ``usage``
counts whitespace-separated words, not a tokenizer's tokens; completions ``usage`` counts the
scored tokens and the start marker (genbench.endpoints.serve_text).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import threading
import time
import uuid
from typing import Any, Iterator

import numpy as np
import torch

from genbench.endpoints.batching import MicroBatcher
from genbench.endpoints.prompts import template_for
from genbench.endpoints.serve_text import BadCompletion, completion_choice, completion_texts, sample_groups
from genbench.models.protocol import capabilities

log = logging.getLogger(__name__)
MAX_IMAGES_PER_REQUEST = 1024


class _BadRequest(Exception):
    pass


def _error(status: int, message: str, kind: str = "invalid_request_error"):
    from starlette.responses import JSONResponse

    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": None}},
                        status_code=status)


def encode_png(image: torch.Tensor) -> str:
    """(C, H, W) in [0, 1] as a base64 8-bit PNG (greyscale or RGB)."""
    from PIL import Image

    pixels = (image.detach().float().cpu().clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    array = pixels[0] if pixels.shape[0] == 1 else np.transpose(pixels, (1, 2, 0))
    buffer = io.BytesIO()
    Image.fromarray(array, mode="L" if pixels.shape[0] == 1 else "RGB").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


class ServedModel:
    """One model's batchers; ``label`` is the model id /v1/models lists."""

    def __init__(self, model: Any, label: str, max_batch: int = 64, max_wait_s: float = 0.005) -> None:
        self.model, self.label = model, label
        self.offered = capabilities(model)
        self.translate = MicroBatcher(lambda sources: model.translate(sources), max_batch, max_wait_s)
        self.sample_text = MicroBatcher(lambda items: sample_groups(model, items), max_batch, max_wait_s)
        self.score_text = MicroBatcher(lambda texts: model.text_token_log_probs(texts), max_batch, max_wait_s)
        self.images = MicroBatcher(self._draw, max_batch, max_wait_s)
        self.template = template_for("translate", None, "genbench serve")
        self.conditional = "conditional" in self.offered

    def _draw(self, items: list[tuple[int | None, int]]) -> list[torch.Tensor]:
        """Items are (class or None, seed); one call for the whole group, its generator seeded from theirs."""
        generator = torch.Generator().manual_seed(hash(tuple(seed for _, seed in items)) % 2**63)
        if self.conditional:
            out = self.model.sample_labels(torch.tensor([c for c, _ in items], dtype=torch.long), generator)
        else:
            out = self.model.sample(len(items), generator)
        return list(out)

    def close(self) -> None:
        for batcher in (self.translate, self.sample_text, self.score_text, self.images):
            batcher.close()


def build_app(served: ServedModel):
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "model": served.label})

    async def models(request: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [{"id": served.label, "object": "model", "created": 0,
                                                         "owned_by": "genbench"}]})

    async def body_of(request: Request) -> dict[str, Any]:
        try:
            body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise _BadRequest("the body is not JSON")
        if not isinstance(body, dict):
            raise _BadRequest("the body must be a JSON object")
        if body.get("model") not in (None, served.label):
            raise _BadRequest(f"unknown model {body.get('model')!r}; this server has {served.label!r}")
        return body

    async def chat(request: Request):
        if "translate" not in served.offered:
            return _error(404, f"{served.label} does not answer chat completions (it offers "
                               f"{', '.join(sorted(served.offered))})")
        try:
            body = await body_of(request)
            messages = body.get("messages")
            if not isinstance(messages, list) or not messages or not isinstance(messages[-1], dict):
                raise _BadRequest("messages must be a non-empty list")
            prompt = messages[-1].get("content")
            if isinstance(prompt, list):  # content parts
                prompt = "".join(p.get("text", "") for p in prompt if isinstance(p, dict))
            if not isinstance(prompt, str):
                raise _BadRequest("the last message's content must be text")
            temperature, seed = body.get("temperature", 0), body.get("seed", 0)
            if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 <= temperature <= 2:
                raise _BadRequest("temperature must be a number from 0 to 2")
            if isinstance(seed, bool) or not isinstance(seed, int):
                raise _BadRequest("seed must be a whole number")
            if temperature > 0 and "sample_text" not in served.offered:
                raise _BadRequest(f"{served.label} decodes deterministically only; send temperature 0")
        except _BadRequest as exc:
            return _error(400, str(exc))
        source = served.template.parse(prompt)
        source = prompt if source is None else source
        try:
            if temperature > 0:
                [text] = await served.sample_text.submit([(source, float(temperature), seed)])
            else:
                [text] = await served.translate.submit([source])
        except Exception as exc:
            return _error(500, f"the model failed: {type(exc).__name__}: {exc}", "server_error")
        usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": len(text.split())}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if body.get("stream"):
            return StreamingResponse(_stream(ident, created, served.label, text, usage), media_type="text/event-stream")
        return JSONResponse({"id": ident, "object": "chat.completion", "created": created, "model": served.label,
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                          "finish_reason": "stop", "logprobs": None}],
                             "usage": usage})

    async def images(request: Request):
        if not served.offered & {"sample", "conditional"}:
            return _error(404, f"{served.label} does not generate images")
        try:
            body = await body_of(request)
            n, seed, prompt = body.get("n", 1), body.get("seed", 0), body.get("prompt", "")
            if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_IMAGES_PER_REQUEST:
                raise _BadRequest(f"n must be a whole number from 1 to {MAX_IMAGES_PER_REQUEST}")
            if isinstance(seed, bool) or not isinstance(seed, int):
                raise _BadRequest("seed must be a whole number")
            if body.get("response_format", "b64_json") != "b64_json":
                raise _BadRequest("this server answers response_format b64_json only")
            label = _class_of(prompt) if served.conditional else None
        except _BadRequest as exc:
            return _error(400, str(exc))
        try:
            out = await served.images.submit([(label, seed * 1024 + k) for k in range(n)])
        except Exception as exc:
            return _error(500, f"the model failed: {type(exc).__name__}: {exc}", "server_error")
        return JSONResponse({"created": int(time.time()), "data": [{"b64_json": encode_png(x)} for x in out]})

    async def completions(request: Request):
        if "text_tokens" not in served.offered:
            return _error(404, f"{served.label} does not score text per token (text_token_log_probs), which "
                               "/v1/completions with logprobs needs")
        try:
            texts = completion_texts(await body_of(request))
        except (_BadRequest, BadCompletion) as exc:
            return _error(400, str(exc))
        try:
            scored = await served.score_text.submit(texts)
            choices = [completion_choice(i, t, starts, lp) for i, (t, (starts, lp)) in enumerate(zip(texts, scored))]
        except Exception as exc:
            return _error(500, f"the model failed: {type(exc).__name__}: {exc}", "server_error")
        tokens = sum(len(c["logprobs"]["tokens"]) for c in choices)
        return JSONResponse({"id": f"cmpl-{uuid.uuid4().hex}", "object": "text_completion", "created": int(time.time()),
                             "model": served.label, "choices": choices,
                             "usage": {"prompt_tokens": tokens, "completion_tokens": 0, "total_tokens": tokens}})

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> Any:
        yield
        served.close()

    return Starlette(routes=[Route("/health", health), Route("/v1/models", models),
                             Route("/v1/chat/completions", chat, methods=["POST"]),
                             Route("/v1/completions", completions, methods=["POST"]),
                             Route("/v1/images/generations", images, methods=["POST"])], lifespan=lifespan)


def _class_of(prompt: Any) -> int:
    if not isinstance(prompt, str) or not prompt.strip().isdigit():
        raise _BadRequest("the prompt must be the class name, e.g. \"3\"")
    return int(prompt.strip())


def _stream(ident: str, created: int, model: str, text: str, usage: dict[str, int]) -> Iterator[str]:
    """The whole answer as one content chunk (the model does not decode incrementally), then usage."""
    def event(choices: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> str:
        chunk = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model,
                 "choices": choices, **(extra or {})}
        return f"data: {json.dumps(chunk)}\n\n"

    yield event([{"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": None}])
    yield event([{"index": 0, "delta": {}, "finish_reason": "stop"}])
    yield event([], {"usage": usage})
    yield "data: [DONE]\n\n"


@contextlib.contextmanager
def running(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """``app`` on uvicorn in a background thread for the duration of the block; yields its base URL
    (``http://host:port/v1``). Port 0 picks a free port."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the server did not start on {host}:{port}")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}/v1"
    finally:
        server.should_exit = server.force_exit = True  # requests still in flight are dropped
        thread.join(timeout=10)
