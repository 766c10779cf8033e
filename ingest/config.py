"""Settings from the environment: the one place environment variables are read.

TRD30_INDEX        index folder (default: ./index)
TRD30_MODEL        embedding model: the default, `hash`, a sentence-transformers name or path
TRD30_MODEL_CACHE  where the default model is built (default: the user cache folder)
TRD30_ROOT_PATH    the app's public path prefix behind a reverse proxy (default: none)
TRD30_FRAME_ANCESTORS  origins allowed to embed the chat, space-separated (default: none)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from .embedding import DEFAULT_MODEL


@dataclass(frozen=True)
class Settings:
    index_dir: Path
    model: str
    model_cache: Path
    root_path: str = ""
    frame_ancestors: tuple[str, ...] = ()


def settings_from_env(environ: Mapping[str, str] = os.environ) -> Settings:
    cache = environ.get("TRD30_MODEL_CACHE") or platformdirs.user_cache_dir("trd30-boten")
    return Settings(
        index_dir=Path(environ.get("TRD30_INDEX") or "index"),
        model=environ.get("TRD30_MODEL") or DEFAULT_MODEL,
        model_cache=Path(cache),
        root_path=environ.get("TRD30_ROOT_PATH", ""),
        frame_ancestors=tuple((environ.get("TRD30_FRAME_ANCESTORS") or "").split()),
    )
