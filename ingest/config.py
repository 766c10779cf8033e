"""Settings from the environment: the one place environment variables are read.

TRD30_INDEX        index folder (default: ./index)
TRD30_MODEL        embedding model: the default, `hash`, a sentence-transformers name or path
TRD30_MODEL_CACHE  where the default model is built (default: the user cache folder)
TRD30_ROOT_PATH    the app's public path prefix behind a reverse proxy (default: none)
TRD30_FRAME_ANCESTORS  origins allowed to embed the chat, space-separated (default: none)
TRD30_THREADS      torch threads for embedding (default: the CPUs this process may use)
TRD30_ALLOWED_HOSTS  host names the app answers to, space-separated (default: localhost,
                   127.0.0.1 and [::1]; add the public name behind a proxy; * = any)
TRD30_RATE_LIMIT   /api/* calls per minute per client (default 60; 0 = no limit)
TRD30_QUEUE_SIZE   questions that may wait per view before "prøv igjen" (default: see app.py)
TRD30_CONCURRENCY  questions answered at once (default: see app.py)
TRD30_ADMIN_TOKEN  opens /admin/ to whoever gives it (default: none, /admin/ is closed)
TRD30_STALE_MONTHS documents older than this are marked in /admin/ (default 12)
TRD30_DATA         folder of the database of questions and feedback (default: ./data)
TRD30_RETENTION_DAYS  days a masked question text is kept (default 30; 0 = never stored)
TRD30_LOG_FORMAT   "text" (default) or "json" (one JSON object per line)
TRD30_PRIVACY_CONTACT  who to ask about privacy, on /personvern/: an e-mail address, a web
                   address or any text (default: none; the page says the owner must set it)
TRD30_ACCESSIBILITY_CONTACT  who to tell about accessibility, on /tilgjengelighet/
                   (default: the privacy contact)
TRD30_OWNER_NAME   who owns the service, in the chat's header and footer and on its pages
                   (default: Universitetskommunen TRD3.0)
TRD30_OWNER_LOGO   an image file (SVG, PNG, JPEG, GIF or WebP, at most 100 KB) shown in the
                   header with the owner's name as its text (default: none)
"""

from __future__ import annotations

import math
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
    allowed_hosts: tuple[str, ...] = ()  # () = the defaults of bot.gate
    rate_limit: int = 60
    queue_size: int | None = None  # None = app.py's measured default
    concurrency: int | None = None
    admin_token: str | None = None
    stale_months: int = 12
    data_dir: Path = Path("data")
    retention_days: int = 30
    log_format: str = "text"
    privacy_contact: str | None = None
    accessibility_contact: str | None = None  # None: the privacy contact (bot.pages)
    owner_name: str = "Universitetskommunen TRD3.0"
    owner_logo: Path | None = None  # read and checked by bot.page.load_owner


def settings_from_env(environ: Mapping[str, str] = os.environ) -> Settings:
    """The settings; a malformed number is a ValueError with a Norwegian message."""
    cache = environ.get("TRD30_MODEL_CACHE") or platformdirs.user_cache_dir("trd30-boten")
    logo = _text(environ, "TRD30_OWNER_LOGO")
    return Settings(
        index_dir=Path(environ.get("TRD30_INDEX") or "index"),
        model=environ.get("TRD30_MODEL") or DEFAULT_MODEL,
        model_cache=Path(cache),
        root_path=environ.get("TRD30_ROOT_PATH", ""),
        frame_ancestors=tuple((environ.get("TRD30_FRAME_ANCESTORS") or "").split()),
        allowed_hosts=tuple((environ.get("TRD30_ALLOWED_HOSTS") or "").split()),
        rate_limit=_whole(environ, "TRD30_RATE_LIMIT", 60, least=0),
        queue_size=_whole(environ, "TRD30_QUEUE_SIZE", None, least=1),
        concurrency=_whole(environ, "TRD30_CONCURRENCY", None, least=1),
        admin_token=environ.get("TRD30_ADMIN_TOKEN") or None,
        stale_months=_whole(environ, "TRD30_STALE_MONTHS", 12, least=1),
        data_dir=Path(environ.get("TRD30_DATA") or "data"),
        retention_days=_whole(environ, "TRD30_RETENTION_DAYS", 30, least=0),
        log_format=_log_format(environ.get("TRD30_LOG_FORMAT") or "text"),
        privacy_contact=_text(environ, "TRD30_PRIVACY_CONTACT"),
        accessibility_contact=_text(environ, "TRD30_ACCESSIBILITY_CONTACT"),
        owner_name=_text(environ, "TRD30_OWNER_NAME") or Settings.owner_name,
        owner_logo=Path(logo) if logo else None,
    )


def _text(environ: Mapping[str, str], name: str) -> str | None:
    return (environ.get(name) or "").strip() or None


def _log_format(value: str) -> str:
    if value.strip().lower() not in ("text", "json"):
        raise ValueError(f"TRD30_LOG_FORMAT må være «text» eller «json», ikke {value!r}")
    return value.strip().lower()


def _whole(environ: Mapping[str, str], name: str, default: int | None, least: int) -> int | None:
    value = (environ.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < least:
        raise ValueError(f"{name} må være et heltall på minst {least}, ikke {value!r}")
    return int(value)


CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")  # cgroup v2: "<quota> <period>" or "max ..."


def usable_cpus(affinity: int | None = None, cpu_max: str | None = None) -> int:
    """The CPUs this process may use: its affinity mask, capped by a cgroup CPU quota (a
    container limited to 1.5 CPUs gets 1). torch counts the machine's cores instead, so
    in a limited container or beside other replicas its threads would contend."""
    if affinity is None:
        affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)  # fmt: skip
    if cpu_max is None:
        try:
            cpu_max = CGROUP_CPU_MAX.read_text()
        except OSError:
            cpu_max = ""
    parts = cpu_max.split()
    if len(parts) == 2 and parts[0] != "max":
        try:
            affinity = min(affinity, max(1, math.floor(int(parts[0]) / int(parts[1]))))
        except (ValueError, ZeroDivisionError):
            pass  # an unreadable quota caps nothing
    return max(1, affinity)


def torch_threads(environ: Mapping[str, str] = os.environ) -> int:
    """torch's intra-op thread count: TRD30_THREADS, else the usable CPUs."""
    value = (environ.get("TRD30_THREADS") or "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            raise ValueError(f"TRD30_THREADS må være et heltall, ikke {value!r}") from None
    return usable_cpus()
