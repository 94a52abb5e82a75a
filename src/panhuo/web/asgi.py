"""ASGI entry point for uvicorn workers: ``uvicorn panhuo.web.asgi:app`` (settings from PANHUO_* variables)."""

from panhuo.config import Settings
from panhuo.web.app import create_app

app = create_app(Settings())
