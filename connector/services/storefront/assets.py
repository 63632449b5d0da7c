"""The storefront widget's files as served: content-versioned, gzipped, with ETags; and its copy.

The widget is written in `widgets/src/` and served minified (rjsmin, once per process: no build
step, and the size budget counts the bytes a shopper downloads). Its version is a hash of those
bytes, so `/widget/{version}/widget.js` never changes and can be cached for a year; the loader
(a stable URL, cached briefly) names that version. Each locale is one JSON file in
`widgets/src/locales/`; merchants override single messages per locale.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rjsmin

from connector.settings import REPO_ROOT

WIDGET_DIR = REPO_ROOT / "widgets" / "src"
DEFAULT_LOCALE = "es"  # Spanish-first: the copy every other locale falls back to
LOADER_BUDGET = 1024  # gzip bytes
WIDGET_BUDGET = 12 * 1024  # gzip bytes
VERSION_MARK = b"__VERSION__"
JS = "text/javascript; charset=utf-8"

Message = str | Mapping[str, str]  # plain text, or plural forms by Intl.PluralRules category


@dataclass(frozen=True)
class Asset:
    """One file as served: identity and gzip bodies, each with its own strong ETag."""

    name: str
    body: bytes
    gzipped: bytes
    etag: str
    content_type: str = JS

    @property
    def gzip_etag(self) -> str:
        """The ETag of the gzip representation (a different representation, a different tag)."""
        return self.etag[:-1] + '-gz"'


@dataclass(frozen=True)
class WidgetAssets:
    """The loader, the widget, its version and every locale's messages."""

    version: str
    loader: Asset
    widget: Asset
    locales: Mapping[str, Mapping[str, Message]]


@dataclass(frozen=True)
class BudgetRow:
    """One file's size against its gzip budget."""

    name: str
    raw: int
    gzipped: int
    budget: int

    @property
    def within(self) -> bool:
        """True when the gzip size is at most the budget."""
        return self.gzipped <= self.budget


def _asset(name: str, body: bytes) -> Asset:
    # mtime=0 keeps the gzip bytes identical across processes, so every web process agrees.
    digest = hashlib.sha256(body).hexdigest()[:20]
    return Asset(name, body, gzip.compress(body, compresslevel=9, mtime=0), f'"{digest}"')


def _read_locales(directory: Path) -> dict[str, dict[str, Message]]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((directory / "locales").glob("*.json"))
    }


def minify(source: bytes) -> bytes:
    """The script without comments (but its `/*!` header) and needless whitespace."""
    minified: str = rjsmin.jsmin(source.decode("utf-8"), keep_bang_comments=True)
    return minified.encode("utf-8")


@functools.lru_cache(maxsize=4)
def load_assets(directory: Path = WIDGET_DIR) -> WidgetAssets:
    """Read and prepare the widget's files once per process."""
    widget = minify((directory / "widget.js").read_bytes())
    version = hashlib.sha256(widget).hexdigest()[:12]
    loader = minify((directory / "loader.js").read_bytes()).replace(VERSION_MARK, version.encode())
    return WidgetAssets(
        version=version,
        loader=_asset("loader.js", loader),
        widget=_asset("widget.js", widget),
        locales=_read_locales(directory),
    )


def budget_rows(assets: WidgetAssets) -> list[BudgetRow]:
    """The loader and the widget against their budgets."""
    return [
        BudgetRow("loader.js", len(assets.loader.body), len(assets.loader.gzipped), LOADER_BUDGET),
        BudgetRow("widget.js", len(assets.widget.body), len(assets.widget.gzipped), WIDGET_BUDGET),
    ]


def resolve_locale(tag: str | None, available: Mapping[str, Any]) -> str:
    """The locale file for a page's `lang` tag: exact, then its language, then Spanish."""
    wanted = (tag or "").replace("_", "-").strip().lower()
    by_lower = {name.lower(): name for name in available}
    if wanted in by_lower:
        return by_lower[wanted]
    language = wanted.split("-", 1)[0]
    return by_lower.get(language, DEFAULT_LOCALE)


def valid_override(base: Message, value: Any) -> bool:
    """True when `value` may replace the message `base`: text for text, plural forms for plurals."""
    if isinstance(base, str):
        return isinstance(value, str)
    return (
        isinstance(value, Mapping)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        and "other" in value
    )


def messages(
    assets: WidgetAssets, locale: str, overrides: Mapping[str, Any] | None = None
) -> dict[str, Message]:
    """Spanish, then the locale's file, then the merchant's overrides for known keys only."""
    merged: dict[str, Message] = dict(assets.locales[DEFAULT_LOCALE])
    merged.update(assets.locales.get(locale, {}))
    for key, value in (overrides or {}).items():
        if key in merged and valid_override(merged[key], value):
            merged[key] = value
    return merged
