"""ASGI entry point for uvicorn/gunicorn: ``uvicorn api.asgi:app``."""

from api.app import create_app

app = create_app()
