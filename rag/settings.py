"""One `Settings` object, built once per process: defaults < `rag.toml` (or `--config`) < env `RAG_*` < flags.

Front ends build it and pass it down; nothing else reads the environment for these values.
It remembers where each value came from (`origin`) for `rag config`. It does not validate
that paths exist or models load: the modules that use a value say what is wrong with it.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from . import limits
from .errors import UsageError

CONFIG_FILE = "rag.toml"
STORES = ("faiss", "milvus")
INDEX_TYPES = ("flat", "hnsw")


@dataclass(frozen=True)
class Settings:
    """Every user-settable value. Field `x` is env `RAG_X`, flag `--x` (underscores as dashes), key `x` in rag.toml."""

    docs: Path = Path("seeds")
    index: Path = Path("index")
    embed_model: str = limits.DEFAULT_EMBED
    llm_model: str = limits.DEFAULT_LLM
    llm_url: str | None = None  # an OpenAI-compatible server instead of the in-process model
    llm_api_key: str | None = None
    llm_tokens: str = "auto"  # how prompt tokens are counted for a remote model: auto|local|server|estimate
    llm_remote_model: str | None = None  # the model the server at llm_url should use; None: the first it lists
    llm_timeout: int = 120  # seconds the server at llm_url may stay silent (before its first token or between two)
    store: str = "faiss"
    store_uri: str | None = None  # milvus: a Milvus Lite file (default index/milvus.db) or http://host:19530
    store_token: str | None = None
    index_type: str | None = None  # None: keep the index's current type (flat for a new one)
    k: int = limits.DEFAULT_K
    max_tokens: int = limits.DEFAULT_MAX_TOKENS
    source_tokens: int = limits.DEFAULT_SOURCE_TOKENS
    translate_question: str = "off"  # on: rank sentences against the question in their own language (crossling.py)
    rerank: str = "e5"  # e5: a second model's view of each sentence in ranking (rerank.py); off: the index's alone
    host: str = limits.DEFAULT_HOST
    port: int = limits.DEFAULT_PORT
    api_key: str | None = None  # when set, every route of the server but /healthz requires it (rag/frontends/access.py)
    queue_limit: int = limits.DEFAULT_QUEUE_LIMIT  # requests waiting for the one local model before the API's 429
    cache_dir: Path | None = None  # assembled models; default .cache/ beside the package
    origin: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(
        cls,
        flags: Mapping[str, Any] | None = None,
        config: Path | str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Settings:
        """The effective settings. `flags` holds only what the user passed (None values are ignored)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        origin = {f.name: "default" for f in _fields()}
        path = Path(config) if config else Path(env.get("RAG_CONFIG", CONFIG_FILE))
        if config or "RAG_CONFIG" in env or path.is_file():
            for key, value in _read_toml(path).items():
                values[key], origin[key] = _convert(key, value, str(path)), str(path)
        for f in _fields():
            name = f"RAG_{f.name.upper()}"
            if env.get(name, "") != "":
                values[f.name], origin[f.name] = _convert(f.name, env[name], f"env {name}"), f"env {name}"
        for key, value in (flags or {}).items():
            if value is not None:
                flag = "--" + key.replace("_", "-")
                values[key], origin[key] = _convert(key, value, flag), flag
        return cls(**values, origin=origin)

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` applied, recorded as given by the caller (the Python API's keyword arguments)."""
        changes = {k: _convert(k, v, "argument") for k, v in changes.items() if v is not None}
        origin = {**self.origin, **{k: "argument" for k in changes}}
        return dataclasses.replace(self, **changes, origin=origin)

    def public(self) -> dict[str, Any]:
        """Values for display: secrets masked, paths as strings."""
        out = {}
        for f in _fields():
            value = getattr(self, f.name)
            if value is not None and f.name in ("llm_api_key", "store_token", "api_key"):
                value = "***"
            out[f.name] = str(value) if isinstance(value, Path) else value
        return out


def _fields() -> list[dataclasses.Field]:
    return [f for f in fields(Settings) if f.name != "origin"]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read config file {path} ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config file {path} is not valid TOML: {exc}") from exc
    return data.get("rag", data) if isinstance(data.get("rag"), dict) else data


def _convert(key: str, value: Any, where: str) -> Any:
    """`value` as the field's type, or UsageError naming where it came from."""
    types = {f.name: f.type for f in _fields()}
    if key not in types:
        raise UsageError(f"unknown setting {key!r} in {where}; known: {', '.join(types)}")
    kind = types[key]
    try:
        if "int" in kind:
            result: Any = int(value)
            if result < (0 if key == "port" else 1):
                raise ValueError
        elif "Path" in kind:
            result = Path(str(value)).expanduser()
        else:
            result = str(value)
    except (TypeError, ValueError):
        raise UsageError(f"setting {key} from {where} must be a positive whole number, not {value!r}") from None
    choices = {
        "store": STORES,
        "index_type": INDEX_TYPES,
        "llm_tokens": ("auto", "local", "server", "estimate"),
        "translate_question": ("on", "off"),
        "rerank": ("e5", "off"),
    }
    if key in choices and result not in choices[key]:
        raise UsageError(f"setting {key} from {where} must be one of {', '.join(choices[key])}, not {value!r}")
    return result
