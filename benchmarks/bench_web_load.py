"""Web load: list and detail pages at 50 concurrent signed-in users, on SQLite and PostgreSQL (loopback).

A uvicorn server (2 workers) serves a seeded synthetic workspace; a bounded asyncio + httpx load generator
runs in this process with 50 concurrent clients, each signed in as the institution admin (the heaviest
scope: every page checks the session, loads the principal, queries and renders). The generator shares the
two cores with the server, so the figures are a lower bound for the server alone.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid

import httpx

from benchmarks.harness import WORK, percentile

GOAL_RPS, GOAL_P95_MS, USERS = 300, 100, 50
RUNS = 3  # each figure is the median of three runs
SCALES = {"small": {"patents": 200, "seconds": 3}, "full": {"patents": 5000, "seconds": 10}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(url: str, patents: int) -> list[int]:
    from sqlalchemy import select

    from panhuo.db import get_engine, migrate, session_scope
    from panhuo.patents.models import Patent
    from panhuo.web.demo import seed_demo

    engine = get_engine(url)
    migrate(engine)
    with session_scope(engine) as db:
        seed_demo(db, patents=patents)
    with session_scope(engine) as db:
        uni = db.scalars(select(Patent.institution_id).where(Patent.department_id.is_not(None))).first()
        return list(db.scalars(select(Patent.id).where(Patent.institution_id == uni).limit(500)))


def _serve(url: str, workspace, port: int) -> subprocess.Popen:
    env = {**os.environ, "PANHUO_WORKSPACE": str(workspace), "PANHUO_DB": url,
           "PANHUO_SECRET_KEY": "bench-secret-" + "x" * 40}
    # `panhuo serve --workers 2`, as deployed: one SO_REUSEPORT socket per worker (panhuo.web.serving)
    proc = subprocess.Popen([sys.executable, "-c", "from panhuo.cli import main; main()", "serve",
                             "--host", "127.0.0.1", "--port", str(port), "--workers", "2"], env=env)
    for _ in range(150):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("server did not start")


def _cookies(base: str) -> httpx.Cookies:
    from panhuo.web.demo import DEMO_PASSWORD

    with httpx.Client(base_url=base) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        r = client.post("/login", data={"csrf_token": token, "username": "uni-admin", "password": DEMO_PASSWORD})
        assert r.status_code in (200, 303), r.status_code
        client.get("/")  # the session now carries the cached principal (as a browser's would)
        return client.cookies


async def _load(base: str, paths: list[str], cookies, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=USERS, max_keepalive_connections=USERS)

    async with httpx.AsyncClient(base_url=base, cookies=cookies, limits=limits, timeout=30) as client:
        async def user(n: int) -> None:
            nonlocal errors
            i = n
            while time.perf_counter() < stop:
                start = time.perf_counter()
                r = await client.get(paths[i % len(paths)])
                latencies.append(time.perf_counter() - start)
                errors += r.status_code != 200
                i += USERS

        began = time.perf_counter()
        await asyncio.gather(*(user(n) for n in range(USERS)))
        elapsed = time.perf_counter() - began
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "errors": errors,
            "p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000}


WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
%s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%f %%f %%f\\n", summary.requests,
    e.status + e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(95),
    summary.duration))
end
"""

# Fixed offered rate (open loop per wrk thread): each request is scheduled ``interval`` ms after the previous one
# of the same thread; when the server falls behind, requests go out as soon as a connection is free.
WRK_RATE = """
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } panhuo_ts; int clock_gettime(int, panhuo_ts *); ]]
local ts = ffi.new("panhuo_ts")
local function now_ms() ffi.C.clock_gettime(1, ts); return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6 end
local interval = %f
local next_at = nil
delay = function()
  local now = now_ms()
  if next_at == nil or next_at < now then next_at = now end
  local wait = next_at - now
  next_at = next_at + interval
  return wait
end
"""


def _wrk(base: str, paths: list[str], cookies: httpx.Cookies, seconds: float, rate: float | None = None) -> dict:
    """Run wrk (2 threads) with USERS connections over the paths, as fast as they go or at a fixed offered
    ``rate`` (req/s, split over the threads); latencies in ms."""
    threads = 2
    pacing = WRK_RATE % (1000.0 * threads / rate) if rate else ""
    script = WORK / "web-load.lua"
    script.write_text(WRK_SCRIPT % (", ".join(f'"{p}"' for p in paths), pacing))
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{USERS}", f"-d{max(1, int(seconds))}s", "--timeout", "10s",
                          "-s", str(script), "-H", f"Cookie: {cookie}", base], capture_output=True, text=True,
                         check=True).stdout
    fields = next(line for line in out.splitlines() if line.startswith("RESULT")).split()[1:]
    requests, errors, p50, p95, duration = int(fields[0]), int(fields[1]), *map(float, fields[2:])
    return {"requests": requests, "rps": requests / (duration / 1e6), "errors": errors,
            "p50_ms": p50 / 1000, "p95_ms": p95 / 1000}


def _measure(base: str, paths: list[str], cookies, seconds: float, rate: float | None = None) -> dict:
    if shutil.which("wrk"):
        return _wrk(base, paths, cookies, seconds, rate)
    if rate:
        raise RuntimeError("a fixed offered rate needs wrk (apt install wrk)")
    return asyncio.run(_load(base, paths, cookies, seconds))


def _median_run(base, paths, cookies, seconds, rate=None, runs=RUNS) -> dict:
    results = [_measure(base, paths, cookies, seconds, rate) for _ in range(runs)]
    return {key: statistics.median(r[key] for r in results) for key in results[0]} | {
        "all_rps": [round(r["rps"]) for r in results], "all_p95": [round(r["p95_ms"], 1) for r in results]}


def _backend(name: str, url: str, scale: dict, rows: list) -> None:
    workspace = WORK / f"web-{name}"
    workspace.mkdir(parents=True, exist_ok=True)
    ids = _seed(url, scale["patents"])
    port = _free_port()
    proc = _serve(url, workspace, port)
    base = f"http://127.0.0.1:{port}"
    try:
        for page, paths in (("list", [f"/patents?page={p}" for p in range(1, 9)]),
                            ("detail", [f"/patents/{i}" for i in ids])):
            cookies = _cookies(base)
            _measure(base, paths, cookies, 2.0)  # warm-up (caches, connection pools, every detail page once)
            top = _median_run(base, paths, cookies, scale["seconds"])
            rows.append({"metric": f"{name} {page} page throughput", "value": round(top["rps"]), "unit": "req/s",
                         "goal": f">= {GOAL_RPS}", "baseline": None, "ratio": round(top["rps"] / GOAL_RPS, 2),
                         "note": (f"{USERS} connections as fast as they go; median of {top['all_rps']}; "
                                  f"{top['errors']:.0f} errors; p95 at this saturation {top['p95_ms']:.0f} ms "
                                  f"(queueing: {USERS} requests always in flight)")})
            if not shutil.which("wrk"):
                continue
            paced = _median_run(base, paths, cookies, scale["seconds"], rate=GOAL_RPS)
            rows.append({"metric": f"{name} {page} page p95 latency at {GOAL_RPS} req/s", "value":
                         round(paced["p95_ms"], 1), "unit": "ms", "goal": f"< {GOAL_P95_MS}", "baseline": None,
                         "ratio": round(paced["p95_ms"] / GOAL_P95_MS, 2),
                         "note": (f"{GOAL_RPS} req/s offered over {USERS} connections, {paced['rps']:.0f} served; "
                                  f"p50 {paced['p50_ms']:.0f} ms; median of p95 {paced['all_p95']}")})
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _pg_database(base_url: str) -> str | None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    try:
        admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
        name = f"panhuo_bench_web_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return make_url(base_url).set(database=name).render_as_string(hide_password=False)
    except Exception:  # noqa: BLE001 (PostgreSQL is optional here)
        return None


def run(scale: str) -> dict:
    cfg = SCALES[scale]
    rows: list[dict] = []
    tool = "wrk" if shutil.which("wrk") else "an asyncio httpx generator"
    load_before = os.getloadavg()[0]
    notes = [(f"{cfg['patents']} synthetic patents (marked synthetic); `panhuo serve --workers 2` (uvicorn, one "
              "SO_REUSEPORT socket per worker, panhuo.web.serving) on 127.0.0.1; "
              f"{USERS} connections signed in as the institution admin (the widest internal scope), driven by "
              f"{tool} on the same 2 cores; {cfg['seconds']} s per run after a 2 s warm-up; each figure is the "
              f"median of {RUNS} runs."),
             ("Two measurements per page. Throughput: the 50 connections send the next request as soon as the "
              "previous answer arrives (closed loop), so 50 requests are always queued and latency at that "
              "saturation is 50 / throughput by construction. Latency: the same 50 connections paced to a fixed "
              f"offered load of {GOAL_RPS} req/s (wrk's delay() hook), the load the goal names; p95 from wrk's "
              "histogram, measured from the moment each request is written.")]
    sqlite_path = WORK / "web-sqlite" / "panhuo.db"
    sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        p = sqlite_path.with_name(sqlite_path.name + suffix)
        if p.exists():
            p.unlink()
    _backend("SQLite", f"sqlite:///{sqlite_path}", cfg, rows)
    pg = os.environ.get("PANHUO_BENCH_PG") or os.environ.get("PANHUO_TEST_PG")
    pg_url = _pg_database(pg) if pg else None
    if pg_url:
        _backend("PostgreSQL", pg_url, cfg, rows)
    else:
        notes.append("PostgreSQL not measured: set PANHUO_BENCH_PG (or PANHUO_TEST_PG) to a server URL.")
    notes.append(f"Machine load average {load_before:.1f} before the run (2 cores)"
                 + ("; other work was running, figures are pessimistic." if load_before > 2.5 else
                    "; during the run the load average counts the benchmark's own server workers, database "
                    "backends and wrk (10–13), so it says nothing about outside work.")
                 + " Runs on this VM vary from run to run (see the spread of the three runs in each note).")
    return {"title": "Web load (list and detail pages)",
            "goal": f">= {GOAL_RPS} req/s with p95 < {GOAL_P95_MS} ms at {USERS} concurrent users",
            "rows": rows, "notes": notes}
