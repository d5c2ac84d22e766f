"""`pii-guard serve` as a user runs it: a real process in an empty directory, on the embedded
SQLite default and on a new PostgreSQL database, answering over real HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PostgresServer

CLI = str(Path(sys.executable).with_name("pii-guard"))
CONTRACT = Path(__file__).resolve().parents[1] / "api" / "openapi.json"
Served = tuple[str, Path, dict[str, str]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(base: str, process: subprocess.Popen[str], patience: float = 60) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stderr.read() if process.stderr else ""
            raise AssertionError(f"serve exited early: {output}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("serve did not answer /healthz")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PII_GUARD_")}
    port = free_port()
    env["PII_GUARD_PORT"] = str(port)
    database_name = None
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        database_name = server.create()
        env["PII_GUARD_DATABASE_URL"] = server.url(database_name)
    process = subprocess.Popen([CLI, "serve"], cwd=tmp_path, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process)
        yield base, tmp_path, env
    finally:
        process.terminate()
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        if database_name is not None:
            request.getfixturevalue("postgres").drop(database_name)


@pytest.mark.slow
def test_served_service_meets_the_foundation_checks(served: Served) -> None:
    base, directory, env = served
    if "PII_GUARD_DATABASE_URL" not in env:
        assert (directory / "pii-guard.db").is_file()

    unauthenticated = httpx.get(f"{base}/v1/me")
    assert unauthenticated.status_code == 401
    body = unauthenticated.json()
    assert set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["request_id"] == unauthenticated.headers["x-request-id"]

    assert httpx.get(f"{base}/openapi.json").json() == json.loads(CONTRACT.read_text())
    assert httpx.get(f"{base}/docs").status_code == 200

    seeded = subprocess.run([CLI, "demo", "seed", "--keys-out", "keys.json"], cwd=directory,
                            env=env, capture_output=True, text=True, timeout=120)
    assert seeded.returncode == 0, seeded.stderr
    keys = json.loads((directory / "keys.json").read_text())
    for principal, key in keys.items():
        me = httpx.get(f"{base}/v1/me", headers={"Authorization": f"Bearer {key}"})
        assert me.status_code == 200
        assert me.json()["principal_id"] == principal
    assert httpx.get(f"{base}/readyz").json()["status"] == "ready"
