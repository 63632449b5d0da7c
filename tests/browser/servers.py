"""Starting and stopping the real server the browser tests drive (a free loopback port, its log
in the test's directory, wait until /healthz answers)."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx

START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"connector demo exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling for the server to start, the one wait these tests allow
    raise RuntimeError(f"connector demo did not answer at {base} within {START_TIMEOUT:.0f}s")


def launch(
    command: list[str], env: dict[str, str], tmp: Path, port: int
) -> subprocess.Popen[bytes]:
    """Start a server command in `tmp` and wait until it answers on `port` (its log in tmp)."""
    log = (tmp / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}", process)
    except RuntimeError:
        process.kill()
        process.wait()
        raise RuntimeError((tmp / "server.log").read_text()[-4000:]) from None
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server `launch` started (terminate, then kill if it lingers)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
