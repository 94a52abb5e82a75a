"""`panhuo serve --workers 2`: every worker has its own SO_REUSEPORT socket, so connections are spread over the
workers (uvicorn's shared accept() sent 41–50 of 50 connections to one worker), and stopping the server stops them."""

from __future__ import annotations

import collections
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import psutil
import pytest

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="needs SO_REUSEPORT (Linux)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(port: int) -> None:
    """Until the server on ``port`` answers /login (at most ~20 s)."""
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)


def test_two_workers_share_connections_and_stop_together(tmp_path):
    port = _free_port()
    env = {**os.environ, "PANHUO_SECRET_KEY": "serving-test-" + "x" * 40}
    subprocess.run([sys.executable, "-c", "from panhuo.cli import main; main()", "init", str(tmp_path)],
                   env=env, check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-c", "from panhuo.cli import main; main()", "-w", str(tmp_path),
                             "serve", "--port", str(port), "--workers", "2"], env=env)
    try:
        _wait_until_serving(port)
        workers = psutil.Process(proc.pid).children(recursive=True)
        servers = {p.pid for p in workers if any(c.laddr.port == port for c in p.net_connections("tcp"))}
        assert len(servers) == 2, "each worker listens on the port with its own socket"
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(40)]
        for client in clients:
            assert client.get("/login").status_code == 200
        owners = collections.Counter()
        for p in workers:
            owners[p.pid] += sum(1 for c in p.net_connections("tcp")
                                 if c.laddr.port == port and c.status == psutil.CONN_ESTABLISHED)
        assert sum(owners.values()) == 40
        assert min(owners[pid] for pid in servers) >= 8, f"connections piled onto one worker: {dict(owners)}"
        for client in clients:
            client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    time.sleep(0.5)
    assert not [p for p in workers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_workers_sign_with_one_key_and_a_second_server_on_the_port_fails(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PANHUO_SECRET_KEY"}  # the key is made in the workspace
    cli = [sys.executable, "-c", "from panhuo.cli import main; main()", "-w", str(tmp_path)]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True)
    proc = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "2"], env=env)
    try:
        _wait_until_serving(port)
        key = (tmp_path / ".secret_key").read_text()
        assert len(key) >= 32 and oct((tmp_path / ".secret_key").stat().st_mode & 0o777) == "0o600"
        for _ in range(12):  # a fresh connection per request lands on either worker: CSRF must check out on both
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as first:
                page = first.get("/login")
                token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
                cookies = dict(first.cookies)
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", cookies=cookies) as second:
                r = second.post("/login", data={"csrf_token": token, "username": "nobody", "password": "x" * 12})
                assert r.status_code != 403, "a worker rejected another worker's session: two signing keys"
        second_server = subprocess.run([*cli, "serve", "--port", str(port), "--workers", "2"], env=env, check=False,
                                       capture_output=True, timeout=60)
        assert second_server.returncode != 0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def test_secret_key_is_made_once_under_concurrency_and_a_short_key_file_is_refused(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from panhuo.config import get_settings
    from panhuo.web.app import secret_key

    settings = get_settings(workspace=tmp_path / "ws")
    settings.secret_key = None
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: secret_key(settings), range(32)))
    assert len(keys) == 1 and len(next(iter(keys))) >= 32
    assert sorted(p.name for p in (tmp_path / "ws").iterdir() if p.name.startswith(".secret_key")) == [".secret_key"]
    (tmp_path / "ws" / ".secret_key").write_text("")
    with pytest.raises(RuntimeError, match="no usable key"):
        secret_key(settings)
