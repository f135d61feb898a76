"""``--model endpoint:NAME``: the declaration found in ./genbench.toml or ./pyproject.toml (or the
file named by $GENBENCH_CONFIG) as a model."""

from __future__ import annotations

import os
from pathlib import Path

from genbench.endpoints.client import EndpointModel, ImageEndpoint
from genbench.endpoints.config import find_endpoint
from genbench.endpoints.text_client import chat_endpoint_class


def load_endpoint(name: str, label: str) -> EndpointModel:
    explicit = os.environ.get("GENBENCH_CONFIG")
    config = find_endpoint(name, explicit=Path(explicit) if explicit else None)
    return (chat_endpoint_class(config) if config.api == "chat" else ImageEndpoint)(config, label)
