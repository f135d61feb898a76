"""The official openai client, pointed at `genbench serve`, works unchanged."""

from __future__ import annotations

import base64
import io

import openai
from PIL import Image

from endpoint_support import serving
from genbench.endpoints.prompts import DEFAULTS


def test_openai_client_chat_and_models() -> None:
    with serving("copy-source") as (url, _):
        client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
        assert [m.id for m in client.models.list()] == ["copy-source"]
        prompt = DEFAULTS["translate"][1].replace("{source}", "En el principio creó Dios los cielos y la tierra.")
        reply = client.chat.completions.create(model="copy-source", messages=[{"role": "user", "content": prompt}],
                                               temperature=0)
        assert reply.choices[0].message.content == "En el principio creó Dios los cielos y la tierra."
        assert reply.usage.completion_tokens == 10
        stream = client.chat.completions.create(model="copy-source", stream=True,
                                                messages=[{"role": "user", "content": "hola"}])
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "hola"
        try:
            client.chat.completions.create(model="another", messages=[{"role": "user", "content": "x"}])
            raise AssertionError("an unknown model must be refused")
        except openai.BadRequestError as exc:
            assert "unknown model" in str(exc)


def test_openai_client_images() -> None:
    with serving("cgan") as (url, _):
        client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
        result = client.images.generate(model="cgan", prompt="7", n=3, size="8x8", response_format="b64_json")
        images = [Image.open(io.BytesIO(base64.b64decode(d.b64_json))) for d in result.data]
        assert [(im.size, im.mode) for im in images] == [((8, 8), "L")] * 3
