"""Run the ASGI app in several processes that share the load evenly.

uvicorn's ``--workers`` lets every worker ``accept()`` on one shared socket, and Linux wakes the same waiting
worker again and again: with 50 keep-alive connections we saw 41/9, 46/4 and 50/0 splits across two workers, so
one core queued requests while the other idled (p95 at a paced 300 req/s jumped from ~20 ms to ~380 ms between
runs). Here each worker binds its own socket with ``SO_REUSEPORT`` and the kernel spreads new connections over
them by hash. Without ``SO_REUSEPORT`` (not Linux/BSD) uvicorn's own workers are used.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
from typing import Any

APP = "panhuo.web.asgi:app"
OPTIONS: dict[str, Any] = {"log_level": "warning", "access_log": False}


def _port_is_free(host: str, port: int) -> None:
    """Raise OSError when anything listens on ``host:port`` (checked without SO_REUSEPORT, so that a second
    `panhuo serve` on the same port fails instead of silently sharing the port with the first)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int) -> None:
    import uvicorn

    sock = _listening_socket(host, port)
    server = uvicorn.Server(uvicorn.Config(APP, host=host, port=port, **OPTIONS))
    server.run(sockets=[sock])


def serve(*, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve :data:`APP` on ``host:port`` with ``workers`` processes until interrupted."""
    import uvicorn

    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(APP, host=host, port=port, workers=max(1, workers), **OPTIONS)
        return
    _port_is_free(host, port)  # fail here, once, if the port is taken
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(host, port), name=f"panhuo-web-{i}") for i in range(workers)]
    for proc in procs:
        proc.start()

    def stop(*_: Any) -> None:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for proc in procs:
            proc.join()
    finally:
        stop()
