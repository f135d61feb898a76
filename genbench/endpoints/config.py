"""Endpoint declarations: ``[tool.genbench.endpoints.NAME]`` in pyproject.toml or ``[endpoints.NAME]``
in genbench.toml. A declaration names the environment variable that holds the API key, never the key."""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from genbench.data.files import check_regular_file
from genbench.errors import InputError

# A key pasted into the config where its variable's name belongs would be stored and logged.
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


@dataclass(frozen=True)
class Prices:
    """Currency units per 1,000 input and output tokens, and per image."""

    input_per_1k: float = 0.0
    output_per_1k: float = 0.0
    per_image: float = 0.0
    currency: str = "USD"


@dataclass(frozen=True)
class EndpointConfig:
    name: str
    base_url: str  # up to and including /v1, e.g. https://api.vendor.example/v1
    model: str
    api: str = "chat"  # chat: /v1/chat/completions (text tasks); images: /v1/images/generations
    api_key_env: str | None = None  # the variable's name; None: send no Authorization header
    templates: tuple[tuple[str, str], ...] = ()  # (task name, prompt template) overriding the task kind's
    concurrency: int = 8
    queue: int = 0  # bounded request queue; 0: twice the concurrency
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    total_timeout_s: float = 120.0  # one attempt, connect to last byte
    max_attempts: int = 5
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    deadline_s: float = 3600.0  # every request of one task; unanswered ones then fail as "deadline"
    max_failure_rate: float = 0.05
    max_tokens: int = 256
    images_per_request: int = 1
    image_size: str | None = None  # the request's size, e.g. "1024x1024"; default: the task's own
    resize_images: bool = False  # downscale answers to the task's size (Pillow box filter), recorded
    send_seed: bool = True  # a "seed" field in each body; off for APIs that refuse unknown fields
    stream: bool = False  # chat answers streamed (server-sent events): time to first token is measured
    sample_diversity: bool = False  # chat: sampled translations for distinct-n and self-BLEU (more requests)
    likelihood: bool = False  # chat: text likelihood through /v1/completions with echo and logprobs
    tokenizer: str | None = None  # the vendor's tokenizer, for perplexity_own_tokens' signature
    cache: bool = True
    cache_dir: Path | None = None
    prices: Prices = field(default_factory=Prices)

    def template(self, task: str) -> str | None:
        return dict(self.templates).get(task)

    @property
    def queue_size(self) -> int:
        return self.queue or 2 * self.concurrency


class EndpointNotFound(InputError):
    pass


def find_endpoint(name: str, cwd: Path = Path("."), explicit: Path | None = None) -> EndpointConfig:
    """The endpoint ``name`` from ``explicit``, else ./genbench.toml, else ./pyproject.toml."""
    candidates = [Path(explicit)] if explicit is not None else [cwd / "genbench.toml", cwd / "pyproject.toml"]
    looked = []
    for path in candidates:
        if not path.is_file():
            looked.append(f"{path} (absent)")
            continue
        check_regular_file(path)
        tables = endpoint_tables(path)
        if name in tables:
            return parse_endpoint(path, name, tables[name])
        looked.append(f"{path} ({', '.join(sorted(tables)) or 'no endpoints'})")
    raise EndpointNotFound(f"Endpoint {name!r} is not declared; looked in {'; '.join(looked)}. Declare it as "
                           f"[tool.genbench.endpoints.{name}] in pyproject.toml or [endpoints.{name}] in genbench.toml.")


def endpoint_tables(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: not valid TOML ({exc}).") from exc
    tool = data.get("tool")
    root = tool.get("genbench", {}) if isinstance(tool, dict) and path.name != "genbench.toml" else data
    tables = root.get("endpoints", {}) if isinstance(root, dict) else {}
    if not isinstance(tables, dict):
        raise InputError(f"{path}: endpoints must be a table of tables, one per endpoint.")
    return tables


_SIMPLE = {f.name: f for f in fields(EndpointConfig)}
_NOT_KEYS = {"name", "templates", "prices", "cache_dir", "api_key_env", "base_url", "model"}


def parse_endpoint(path: Path, name: str, raw: Any) -> EndpointConfig:
    where = f"{path}: endpoint {name!r}"
    if not isinstance(raw, dict):
        raise InputError(f"{where} must be a table.")
    known = (set(_SIMPLE) - {"name"}) | {"template"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(f"{where} has unknown key(s) {', '.join(map(repr, unknown))}; it takes "
                         f"{', '.join(sorted(known))}.")
    for key in ("base_url", "model"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise InputError(f"{where} needs {key} (text).")
    if not re.match(r"https?://[^\s/]+", raw["base_url"]):
        raise InputError(f"{where}: base_url must start with http:// or https:// and a host, got {raw['base_url']!r}.")
    key_env = raw.get("api_key_env")
    if key_env is not None and (not isinstance(key_env, str) or not _ENV_NAME.fullmatch(key_env)):
        # The value is not echoed: it may be the key itself.
        raise InputError(f"{where}: api_key_env must be the name of an environment variable "
                         "(letters, digits, underscore), not the key itself.")
    values: dict[str, Any] = {"name": name, "base_url": raw["base_url"].rstrip("/"), "model": raw["model"],
                              "api_key_env": key_env}
    for key, value in raw.items():
        if key in _NOT_KEYS or key == "template":
            continue
        values[key] = _checked(where, key, value, _SIMPLE[key].default)
    values["templates"] = _templates(where, raw.get("template", {}))
    values["prices"] = _prices(where, raw.get("prices", {}))
    if "cache_dir" in raw:
        if not isinstance(raw["cache_dir"], str):
            raise InputError(f"{where}: cache_dir must be a path (text).")
        values["cache_dir"] = Path(raw["cache_dir"]).expanduser()
    if values.get("image_size") is not None and not re.fullmatch(r"\d{1,5}x\d{1,5}", values["image_size"]):
        raise InputError(f"{where}: image_size must look like 1024x1024, got {values['image_size']!r}.")
    config = EndpointConfig(**values)
    chat_only = [k for k in ("sample_diversity", "likelihood", "tokenizer") if k in raw]
    if config.api == "images" and chat_only:
        raise InputError(f"{where}: {', '.join(chat_only)} apply to chat endpoints (api = \"chat\"), not images.")
    if config.total_timeout_s < config.connect_timeout_s:
        raise InputError(f"{where}: total_timeout_s must be at least connect_timeout_s.")
    return config


def _checked(where: str, key: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise InputError(f"{where}: {key} must be true or false, got {value!r}.")
        return value
    if key == "tokenizer":
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise InputError(f"{where}: tokenizer must be a name (text), got {value!r}.")
        return value
    if key in ("image_size", "api"):
        if not isinstance(value, str) or (key == "api" and value not in ("chat", "images")):
            raise InputError(f"{where}: {key} must be {'chat or images' if key == 'api' else 'text like 1024x1024'}, "
                             f"got {value!r}.")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{where}: {key} must be a finite number, got {value!r}.")
    if isinstance(default, int) or key in ("concurrency", "queue", "max_attempts", "max_tokens", "images_per_request"):
        if int(value) != value or value < (0 if key == "queue" else 1):
            raise InputError(f"{where}: {key} must be a whole number ≥ {0 if key == 'queue' else 1}, got {value!r}.")
        return int(value)
    if key == "max_failure_rate" and not 0 <= value <= 1:
        raise InputError(f"{where}: max_failure_rate must be between 0 and 1, got {value!r}.")
    if value <= 0 and key != "max_failure_rate":
        raise InputError(f"{where}: {key} must be > 0, got {value!r}.")
    return float(value)


def _templates(where: str, raw: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise InputError(f'{where}: template must be a table of task = "prompt template" strings.')
    return tuple(sorted(raw.items()))


def _prices(where: str, raw: Any) -> Prices:
    if not isinstance(raw, dict) or set(raw) - {f.name for f in fields(Prices)}:
        raise InputError(f"{where}: prices takes input_per_1k, output_per_1k, per_image and currency.")
    for key, value in raw.items():
        if key == "currency":
            if not isinstance(value, str):
                raise InputError(f"{where}: prices.currency must be text.")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
            raise InputError(f"{where}: prices.{key} must be a finite number ≥ 0, got {value!r}.")
    return Prices(**{k: (v if k == "currency" else float(v)) for k, v in raw.items()})
