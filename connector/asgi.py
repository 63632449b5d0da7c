"""ASGI entry point for running under any ASGI server: `uvicorn connector.asgi:app`."""

from __future__ import annotations

from connector.app import create_app

app = create_app()
