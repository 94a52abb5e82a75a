"""What every CLI command shares: settings from the root options, the engine, JSON Lines, errors, progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from panhuo.config import Settings
from panhuo.db import get_engine, session_scope

err_console = Console(stderr=True)
console = Console()


@dataclass
class AppState:
    settings: Settings
    json: bool = False

    @property
    def engine(self) -> Engine:
        return get_engine(self.settings.db_url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """The command's transaction: committed when the block ends without error."""
        with session_scope(self.engine) as session:
            yield session


def state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState(settings=Settings())
    return root.obj


def _default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=_default, separators=(",", ":"))


def emit(obj: Any, out: IO[str] | None = None) -> None:
    """Write one JSON Lines record to stdout."""
    (out or sys.stdout).write(to_json(obj) + "\n")


def read_jsonl(source: IO[str], *, required: Iterable[str] = ()) -> Iterator[dict]:
    """Records from a JSON Lines stream; a malformed line stops with its line number."""
    needed = tuple(required)
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            fail(f"line {number}: not valid JSON ({exc.msg})")
        if not isinstance(record, dict):
            fail(f"line {number}: expected a JSON object")
        missing = [k for k in needed if k not in record]
        if missing:
            fail(f"line {number}: missing field(s) {', '.join(missing)}")
        yield record


def fail(message: str, *, report: Path | str | None = None, code: int = 1) -> None:
    """Stop the command with one clear line (and the report path, when there is one)."""
    line = f"error: {message}"
    if report:
        line += f" (report: {report})"
    err_console.print(line, markup=False, highlight=False)
    raise typer.Exit(code)


def progress(disable: bool = False) -> Progress:
    """A progress bar on stderr, so that stdout stays clean for JSON Lines."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=disable or not err_console.is_terminal,
    )
