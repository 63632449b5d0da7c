"""The secret filter: masks what it must and leaves log records usable by every formatter."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import traceback

from uvicorn.logging import AccessFormatter

from connector.logs import SECRET_FILTER, install_secret_filter


def make_record(msg: str, args: tuple[object, ...]) -> logging.LogRecord:
    install_secret_filter()
    return logging.getLogRecordFactory()(
        "uvicorn.access", logging.INFO, __file__, 1, msg, args, None
    )


def test_uvicorn_access_line_still_formats_and_hides_a_session_token() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJodHRwczovL3Nob3AifQ.c2lnbmF0dXJlLXZhbHVlLWhlcmU"
    record = make_record(
        '%s - "%s %s HTTP/%s" %d', ("127.0.0.1:5000", "GET", f"/?id_token={token}", "1.1", 200)
    )

    line = AccessFormatter("%(client_addr)s %(request_line)s %(status_code)s").format(record)

    assert line == "127.0.0.1:5000 GET /?id_token=[redacted] HTTP/1.1 200 OK"


class Holder:
    """An object whose str() shows a secret."""

    def __str__(self) -> str:
        return "token=shpat_hidden_in_an_object_0001"


def test_a_secret_inside_a_non_string_argument_is_masked() -> None:
    record = make_record("holder: %s", (Holder(),))

    assert record.getMessage() == "holder: token=[redacted]"
    assert record.args == ()


def test_a_registered_secret_in_a_mapping_argument_is_masked() -> None:
    SECRET_FILTER.add(["supersecret-value-123"])
    record = make_record(
        "payload: %(consumer_secret)s", ({"consumer_secret": "supersecret-value-123"},)
    )

    assert record.getMessage() == "payload: [redacted]"
    assert "supersecret-value-123" not in repr(record.args)


def test_a_clean_record_is_left_untouched() -> None:
    record = make_record("delivery %s done", (42,))

    assert (record.msg, record.args) == ("delivery %s done", (42,))


def _refused_connection() -> BaseException:
    """A real exception with a real traceback through asyncio's socket code."""

    async def connect() -> None:
        await asyncio.open_connection("127.0.0.1", _closed_port())

    try:
        try:
            asyncio.run(connect())
        except OSError as exc:
            raise RuntimeError(f"the store refused token {TOKEN} for shop ck_shop") from exc
    except RuntimeError as exc:
        return exc
    raise AssertionError("connecting to a closed port succeeded")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


TOKEN = "shpat_" + "0123456789abcdef" * 2


def test_a_real_traceback_keeps_every_name_and_loses_only_the_token() -> None:
    install_secret_filter()
    SECRET_FILTER.add(["recv", "connect_cb"])  # short values are ignored, not masked in names
    failure = _refused_connection()
    original = "".join(traceback.format_exception(failure)).rstrip("\n")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("tests.logs.traceback")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error("reward failed", exc_info=failure)
    finally:
        logger.removeHandler(handler)

    logged = stream.getvalue().rstrip("\n")
    assert "_sock_connect" in original  # asyncio's own names, the ones a shape once ate
    assert logged == "reward failed\n" + original.replace(TOKEN, "[redacted]")
    assert TOKEN not in logged
    assert "[redacted]" not in original
