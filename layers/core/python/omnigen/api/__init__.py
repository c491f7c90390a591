"""The HTTP API: one FastAPI app for the local server and the API Lambda."""
