"""The HTTP API (FastAPI) and the web UI it serves."""
