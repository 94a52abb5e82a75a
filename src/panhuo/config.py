"""Settings: where the workspace, the database and the reference data live.

Precedence (highest first): command-line option → environment (``PANHUO_*``) → the workspace's
``panhuo.toml`` → defaults. The reference data directory is never inside the package: it defaults to
``../shared/data`` next to the checkout and is overridden with ``PANHUO_DATA``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

WORKSPACE_FILE = "panhuo.toml"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class DataSetMissing(LookupError):
    """A reference data set is not present in the data directory."""

    def __init__(self, name: str, data_dir: Path):
        self.name = name
        self.data_dir = data_dir
        super().__init__(
            f"reference data set '{name}' is not in {data_dir} "
            f"(set PANHUO_DATA to the folder that holds it, or run `panhuo data status`)"
        )


def default_data_dir() -> Path:
    """``$PANHUO_DATA``, else ``../shared/data`` beside the working directory or the checkout."""
    env = os.environ.get("PANHUO_DATA")
    if env:
        return Path(env).expanduser().resolve()
    for base in (Path.cwd(), PROJECT_ROOT):
        candidate = (base / ".." / "shared" / "data").resolve()
        if candidate.is_dir():
            return candidate
    return (PROJECT_ROOT / ".." / "shared" / "data").resolve()


@dataclass
class Settings:
    """Resolved settings for one command or one web process."""

    workspace: Path = field(default_factory=lambda: Path(os.environ.get("PANHUO_WORKSPACE", ".")).resolve())
    db: str | None = field(default_factory=lambda: os.environ.get("PANHUO_DB"))
    data: Path = field(default_factory=default_data_dir)
    secret_key: str | None = field(default_factory=lambda: os.environ.get("PANHUO_SECRET_KEY"))

    @cached_property
    def file_config(self) -> dict:
        path = self.workspace / WORKSPACE_FILE
        if not path.exists():
            return {}
        with path.open("rb") as fh:
            return tomllib.load(fh)

    @property
    def db_url(self) -> str:
        """The SQLAlchemy URL: explicit, then the workspace file, then the workspace's SQLite file."""
        if self.db:
            return self.db
        configured = self.file_config.get("database", {}).get("url")
        if configured:
            return configured
        return f"sqlite:///{self.workspace / 'panhuo.db'}"

    @property
    def index_dir(self) -> Path:
        return self.workspace / "index"

    @property
    def reports_dir(self) -> Path:
        return self.workspace / "reports"

    def data_path(self, name: str, *parts: str) -> Path:
        """Path of a reference data set (or a file in it); raises :class:`DataSetMissing` when absent."""
        path = self.data / name
        if not path.exists():
            raise DataSetMissing(name, self.data)
        return path.joinpath(*parts) if parts else path

    def has_data(self, name: str) -> bool:
        return (self.data / name).exists()


def get_settings(**overrides) -> Settings:
    """Settings with explicit overrides (``None`` values are ignored)."""
    values = {k: v for k, v in overrides.items() if v is not None}
    if "workspace" in values:
        values["workspace"] = Path(values["workspace"]).resolve()
    if "data" in values:
        values["data"] = Path(values["data"]).resolve()
    return Settings(**values)
