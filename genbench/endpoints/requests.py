"""Request bodies for each task kind, and the checks that turn a response into an answer.

Text goes through ``/v1/chat/completions`` at temperature 0 (sampled diversity: at the task's
temperature, one seeded request per sample); text likelihood through ``/v1/completions`` with
``echo``, ``max_tokens: 0`` and ``logprobs: 0``; images through ``/v1/images/generations`` with
``response_format: "b64_json"``. An answer that arrived but cannot be used (no text, the wrong
number of images, images of the wrong size, undecodable data) is a ``BadAnswer`` with its own
error class; it is counted, never cached. An answer without usable log-probabilities is one of
``LIKELIHOOD_REFUSALS``: the endpoint cannot score likelihood at all, which is said by name.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from typing import Any

import numpy as np
import torch

from genbench.endpoints.cache import request_key
from genbench.endpoints.config import EndpointConfig
from genbench.endpoints.prompts import Template
from genbench.endpoints.transport import BadAnswer, Parse, Request

CHAT, COMPLETIONS, IMAGES = "chat/completions", "completions", "images/generations"
MAX_IMAGE_B64 = 48 * 2**20  # far above an honest 1024×1024 PNG


def chat_request(config: EndpointConfig, template: Template, source: str, seed: int,
                 temperature: float = 0.0) -> Request:
    prompt = template.render(source)
    body: dict[str, Any] = {"model": config.model, "messages": [{"role": "user", "content": prompt}],
                            "temperature": temperature, "max_tokens": config.max_tokens}
    if config.send_seed:
        body["seed"] = seed
    if config.stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    draw = seed if temperature > 0 and not config.send_seed else None
    return Request(CHAT, body, request_key(f"{config.base_url}/{CHAT}", body, template.digest, draw),
                   tokens=len(prompt) // 4 + config.max_tokens)


def completion_request(config: EndpointConfig, template: Template, text: str) -> Request:
    """The text between the template's markers, echoed and scored, nothing generated."""
    prompt = template.render(text)
    body = {"model": config.model, "prompt": prompt, "max_tokens": 0, "echo": True, "logprobs": 0,
            "temperature": 0}
    return Request(COMPLETIONS, body, request_key(f"{config.base_url}/{COMPLETIONS}", body, template.digest),
                   tokens=len(prompt) // 4)


# Error classes of a completions answer that say the endpoint cannot score likelihood (not a fault
# of one request), and why.
LIKELIHOOD_REFUSALS = {
    "no_logprobs": "it answered /v1/completions without log-probabilities for the prompt's tokens "
                   "(choices[0].logprobs.token_logprobs and text_offset, asked for with echo: true, logprobs: 0)",
    "misaligned_tokens": "its tokens do not start where the text does (the template's start marker and the "
                         "text share a token), so the text's own log-probability cannot be read off",
}


def completion_parser(template: Template) -> Parse:
    """Sums the log-probabilities of the tokens from the text's first character to the prompt's end
    (the end marker included; any generated token after it excluded), in order."""
    head = template.around[0]

    def parse(request: Request, payload: dict[str, Any]) -> dict[str, Any]:
        prompt = request.body["prompt"]
        try:
            logprobs = payload["choices"][0].get("logprobs")
        except (KeyError, IndexError, TypeError, AttributeError):
            raise BadAnswer("bad_answer", "no choices[0]") from None
        values = logprobs.get("token_logprobs") if isinstance(logprobs, dict) else None
        offsets = logprobs.get("text_offset") if isinstance(logprobs, dict) else None
        if not isinstance(values, list) or not isinstance(offsets, list) or len(values) != len(offsets):
            raise BadAnswer("no_logprobs", "no token_logprobs with text_offset of equal length")
        if not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets) or offsets != sorted(offsets):
            raise BadAnswer("bad_answer", "text_offset is not a rising list of whole numbers")
        scored = [v for o, v in zip(offsets, values) if len(head) <= o < len(prompt)]
        if len(head) not in offsets or not scored:
            raise BadAnswer("misaligned_tokens", f"no token starts at the text's first character ({len(head)})")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in scored):
            raise BadAnswer("no_logprobs", "a token of the text has no log-probability")
        if not all(math.isfinite(v) and v <= 1e-6 for v in scored):
            raise BadAnswer("bad_answer", "a log-probability is not finite or is positive")
        total = 0.0
        for v in scored:  # left to right, as a model sums its own tokens
            total += float(v)
        return {"log_prob": total, "n_tokens": len(scored)}

    return parse


def image_request(config: EndpointConfig, template: Template, value: str | None, n: int, seed: int,
                  size: str) -> Request:
    body: dict[str, Any] = {"model": config.model, "prompt": template.render(value), "n": n,
                            "size": config.image_size or size, "response_format": "b64_json"}
    if config.send_seed:
        body["seed"] = seed
    # Unsent, the seed still tells two draws of one prompt apart in the cache.
    draw = None if config.send_seed else seed
    return Request(IMAGES, body, request_key(f"{config.base_url}/{IMAGES}", body, template.digest, draw))


def parse_chat(request: Request, payload: dict[str, Any]) -> dict[str, Any]:
    try:
        content = payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise BadAnswer("bad_answer", "no choices[0].message.content") from None
    if not isinstance(content, str) or not content.strip():
        raise BadAnswer("empty_answer", "the completion is empty")
    return {"text": content.strip()}


def image_parser(shape: tuple[int, int, int], resize: bool) -> Parse:
    """Checks the request's ``n`` base64 images that decode to ``shape`` (C, H, W), or any size when ``resize``."""
    def parse(request: Request, payload: dict[str, Any]) -> dict[str, Any]:
        n = request.body["n"]
        data = payload.get("data")
        if not isinstance(data, list) or len(data) != n:
            got = len(data) if isinstance(data, list) else "no"
            raise BadAnswer("wrong_count", f"{got} images for a request of {n}")
        images = []
        for entry in data:
            raw = entry.get("b64_json") if isinstance(entry, dict) else None
            if not isinstance(raw, str) or len(raw) > MAX_IMAGE_B64:
                raise BadAnswer("bad_image", "an entry without b64_json")
            try:
                blob = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                raise BadAnswer("bad_image", "b64_json is not base64") from None
            decode_image(blob, shape, resize)  # refuse now: a bad image must not reach the cache
            images.append(blob)
        return {"images": images}

    return parse


def decode_image(blob: bytes, shape: tuple[int, int, int], resize: bool) -> torch.Tensor:
    """An image file's bytes as a (C, H, W) float tensor in [0, 1]; Pillow decodes, never more than
    its decompression-bomb limit."""
    from PIL import Image, UnidentifiedImageError

    channels, height, width = shape
    try:
        with Image.open(io.BytesIO(blob)) as image:
            image.load()
            if image.size != (width, height):
                if not resize:
                    raise BadAnswer("wrong_size", f"{image.size[0]}x{image.size[1]}, expected {width}x{height}")
                image = image.resize((width, height), Image.Resampling.BOX)
            pixels = np.asarray(image.convert("L" if channels == 1 else "RGB"), dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise BadAnswer("bad_image", f"undecodable image ({type(exc).__name__})") from None
    tensor = torch.from_numpy(pixels.copy())
    return tensor.unsqueeze(0) if channels == 1 else tensor.permute(2, 0, 1)
