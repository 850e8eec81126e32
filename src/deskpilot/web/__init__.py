"""Web pages served by the API (no build step)."""
