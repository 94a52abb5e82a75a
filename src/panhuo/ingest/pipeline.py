"""Prepared slices of a tabular file, from a worker process for a big CSV so both cores work.

The bulk load has a pure half (read, parse, build the insert columns: :class:`panhuo.ingest.prepare.Preparer`)
and a database half (stored numbers, ids, parties, writes: :class:`panhuo.ingest.fastpath.FastLoader`). Both hold
the GIL most of the time, so threads do not overlap them; for a CSV of at least :data:`PROCESS_MIN_BYTES` the pure
half runs in one child process — a fresh interpreter (``python -c``), not a fork of a process that holds a database
connection and polars' thread pool, and not ``multiprocessing`` (which re-runs the caller's main script) — that
prepares the next slice while the loader writes this one (the pipe blocks it one slice ahead); every
:class:`~panhuo.ingest.prepare.Prepared` slice crosses the pipe as a pickle of plain values. Smaller files, Excel
sheets and any file when ``PANHUO_INGEST_PROCESS=0`` is set are prepared in the calling process, same code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import struct
import subprocess
import sys
import traceback
from collections.abc import Iterator

from panhuo.ingest import fastpath, readers
from panhuo.ingest.prepare import Prepared, Preparer
from panhuo.ingest.rows import RowConverter

PROCESS_MIN_BYTES = 24 << 20  # ~20,000 rows of a 61-column export: below, starting a process (~1 s) does not pay


class WorkerError(RuntimeError):
    """The worker process failed (its error and traceback are in the message) or died."""


def use_process(table: readers.Table) -> bool:
    """True when ``table`` is a CSV big enough to be prepared in a worker process (and it is not switched off)."""
    if table.csv_source is None or os.environ.get("PANHUO_INGEST_PROCESS", "1") == "0":
        return False
    try:
        return table.path.stat().st_size >= PROCESS_MIN_BYTES
    except OSError:
        return False


def prepared_slices(table: readers.Table, preparer: Preparer, *, fresh: bool = False, slice_rows: int | None = None,
                    in_process: bool | None = None) -> Iterator[Prepared]:
    """The file's slices, prepared; in a worker process when :func:`use_process` (or ``in_process=False``).

    ``fresh``: no patent was stored when the file started (only the file's own numbers can be found stored), so
    the worker sends the cells of the few rows that may need them, not of every row.
    """
    size = slice_rows or fastpath.SLICE_ROWS
    if in_process is None:
        in_process = not use_process(table)
    if in_process:
        yield from _here(table, preparer, size)
    else:
        yield from _from_worker(table, preparer, size, fresh)


def _here(table: readers.Table, preparer: Preparer, size: int) -> Iterator[Prepared]:
    for numbers, columns in fastpath.slices(table.batches(wanted=preparer.wanted_columns()), size):
        yield preparer.prepare(numbers, columns)


def _from_worker(table: readers.Table, preparer: Preparer, size: int, fresh: bool) -> Iterator[Prepared]:
    spec = dataclasses.replace(table, _frames=None)  # the reader itself does not cross; the child reopens the file
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # import panhuo as we do
    try:
        worker = subprocess.Popen([sys.executable, "-c", "from panhuo.ingest.pipeline import work; work()"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    except OSError:  # no interpreter to start (an embedded Python): prepare here
        yield from _here(table, preparer, size)
        return
    try:
        with contextlib.suppress(BrokenPipeError):  # a child that died at start is reported below
            worker.stdin.write(pickle.dumps((spec, preparer.converter.file, size, fresh), protocol=pickle.HIGHEST_PROTOCOL))
            worker.stdin.close()
        while True:
            tag, payload = _read_frame(worker)
            if tag == _DONE:
                return
            if tag == _ERROR:
                raise WorkerError(payload.decode("utf-8", "replace"))
            yield pickle.loads(payload)
    finally:
        if worker.poll() is None:
            worker.kill()  # the loader stopped early (an error, or the caller closed the generator)
        worker.wait()
        worker.stdout.close()


_SLICE, _ERROR, _DONE = b"S", b"E", b"D"
_HEAD = struct.Struct("<cQ")  # tag, payload length


def _read_frame(worker: subprocess.Popen) -> tuple[bytes, bytes]:
    head = worker.stdout.read(_HEAD.size)
    if len(head) == _HEAD.size:
        tag, length = _HEAD.unpack(head)
        payload = worker.stdout.read(length)
        if len(payload) == length:
            return tag, payload
    code = worker.wait()
    raise WorkerError(f"the import's parse process ended unexpectedly (exit code {code}); its error, if any, "
                      "is on stderr above")


def _write_frame(out, tag: bytes, payload: bytes) -> None:
    out.write(_HEAD.pack(tag, len(payload)))
    out.write(payload)
    out.flush()


def work() -> None:
    """Worker process: read the table given on stdin again, prepare each slice, send it on stdout."""
    import gc

    gc.disable()  # plain lists and tuples, no cycles (as in the loader)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print of any library goes to stderr, not into the slices
    try:
        table, file, size, fresh = pickle.load(sys.stdin.buffer)
        preparer = Preparer(RowConverter(table.mapping, table.headers, file=file))
        if fresh:
            preparer.track_numbers()
        wanted = sorted(preparer.wanted_columns())
        for numbers, frame in readers.reopen_csv(table).frame_batches():
            for start in range(0, len(numbers), size):
                part = frame.slice(start, size)
                columns = [s if i in wanted else None for i, s in enumerate(part.iter_columns())]
                raw = None if fresh else (part.width, wanted, part.select(part.columns[i] for i in wanted))
                prepared = preparer.prepare(numbers[start:start + size], columns, raw=raw)
                _write_frame(out, _SLICE, pickle.dumps(prepared, protocol=pickle.HIGHEST_PROTOCOL))
        _write_frame(out, _DONE, b"")
    except BrokenPipeError:  # the importing process stopped reading: nothing to tell it
        pass
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the importing process
        with contextlib.suppress(OSError):
            _write_frame(out, _ERROR, f"preparing the file failed: {type(exc).__name__}: {exc}\n"
                                      f"{traceback.format_exc()}".encode())
