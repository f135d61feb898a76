"""``genbench serve``: load a model and run its API on uvicorn until interrupted."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from genbench.data.dataset import DataOptions
from genbench.endpoints.server import ServedModel, build_app
from genbench.errors import GenbenchError
from genbench.models.sources import ENDPOINT_PREFIX, load_model
from genbench.validate import parse_device


def serve_model(spec: str, host: str, port: int, max_batch: int, max_wait_s: float, device: str,
                corpus_dir: Path | None, announce: Callable[[str], None]) -> None:
    import uvicorn

    if spec.startswith(ENDPOINT_PREFIX):
        raise GenbenchError("genbench serve serves a local model; an endpoint is already served elsewhere.")
    source = load_model(spec, parse_device(device), DataOptions(corpus_dir=corpus_dir))
    served = ServedModel(source.model, source.label, max_batch, max_wait_s)
    if not served.offered & {"translate", "text_tokens", "sample", "conditional"}:
        raise GenbenchError(f"Model {source.label!r} offers {', '.join(sorted(served.offered))}; genbench serve "
                            "answers translate (chat completions), text_token_log_probs (completions with "
                            "logprobs), sample and sample_labels (image generations).")
    announce(f"serving {source.label} on http://{host}:{port}/v1 (Ctrl-C stops)")
    uvicorn.run(build_app(served), host=host, port=port, log_level="warning")
