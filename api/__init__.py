"""Delivery: the FastAPI app, settings, authentication, routers, web pages and the CLI."""
