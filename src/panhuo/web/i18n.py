"""The UI message catalogue (``web/data/messages.yaml``): Chinese first, English on request."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

LANGUAGES = ("zh", "en")
DEFAULT = "zh"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    path = Path(__file__).resolve().parent / "data" / "messages.yaml"
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["messages"]


def translate(key: str, lang: str = DEFAULT) -> str:
    """The message in ``lang`` (falling back to Chinese, then to the key itself)."""
    entry = catalogue().get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry.get(DEFAULT) or key


def translator(lang: str):
    lang = lang if lang in LANGUAGES else DEFAULT
    return lambda key: translate(key, lang)


def labeller(lang: str):
    """``label(name)``: the field's label (``f_<name>`` in the catalogue), or the name itself."""
    def label(name: str) -> str:
        text = translate(f"f_{name}", lang)
        return name if text == f"f_{name}" else text
    return label
