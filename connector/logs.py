"""Logging setup with a filter that masks every configured secret, whatever logs it."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "[redacted]"
# Shapes of secrets we never want in a log line, even ones we were not told about. Each starts
# where a word starts (never inside an identifier: `_sock_recv` is not a `ck_` key), so a
# traceback keeps its names.
_START = r"(?<![A-Za-z0-9_])"
_SHAPES = re.compile(
    _START + r"(?:shpat_|shpua_|shprt_|shpca_|shpss_)[A-Za-z0-9_]{8,}"
    # WooCommerce keys: ck_/cs_ and 40 hex digits (no underscores, unlike Python names).
    + r"|" + _START + r"(?:ck_|cs_)[A-Za-z0-9]{32,}"
    + r"|(?i:\bbearer\s+)[A-Za-z0-9._\-]{16,}"
    # JWTs (session tokens arrive in App Home URLs as ?id_token=, and access logs print URLs).
    + r"|" + _START + r"eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"
)
MIN_SECRET = 8  # shorter registered values would mask ordinary words


class SecretFilter(logging.Filter):
    """Replaces known secret values and token-shaped strings in every record with a mask."""

    def __init__(self) -> None:
        super().__init__()
        self._values: set[str] = set()
        self._known: re.Pattern[str] | None = None

    def add(self, values: Iterable[str | None]) -> None:
        """Register more secret values to mask (empty and short values are ignored)."""
        self._values.update(v for v in values if v and len(v) >= MIN_SECRET)
        # Longest first, each a whole token: a value is masked where it stands alone, never
        # where it happens to be part of a longer word or identifier.
        ordered = sorted(self._values, key=len, reverse=True)
        alternatives = "|".join(re.escape(v) for v in ordered)
        self._known = (
            re.compile(rf"(?<![A-Za-z0-9_])(?:{alternatives})(?![A-Za-z0-9_])") if ordered else None
        )

    def _clean(self, text: str) -> str:
        if self._known is not None:
            text = self._known.sub(MASK, text)
        return _SHAPES.sub(MASK, text)

    def _clean_args(self, args: object) -> object:
        if isinstance(args, tuple):
            return tuple(self._clean(a) if isinstance(a, str) else a for a in args)
        if isinstance(args, dict):
            return {k: self._clean(v) if isinstance(v, str) else v for k, v in args.items()}
        return args

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask secrets in the message and traceback, keeping the args' shape where possible.

        Formatters such as uvicorn's access log read `record.args` themselves, so the args stay
        a tuple when masking them one by one is enough; only a secret hidden inside a non-string
        argument makes us fall back to the rendered, masked message with no args.
        """
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned == message:
            return True
        if isinstance(record.msg, str):
            record.msg = self._clean(record.msg)
        record.args = self._clean_args(record.args)  # type: ignore[assignment]
        if record.getMessage() != cleaned:
            record.msg, record.args = cleaned, ()
        return True


SECRET_FILTER = SecretFilter()
_installed = False


def install_secret_filter() -> None:
    """Mask secrets at record creation, so every handler (ours, uvicorn's, a test's) gets clean text."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        SECRET_FILTER.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def setup_logging(level: str = "INFO") -> None:
    """Configure root logging once, masking secrets in every record."""
    install_secret_filter()
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO; keep it for debugging only.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("tortoise").setLevel(logging.WARNING)
