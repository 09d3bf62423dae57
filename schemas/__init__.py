"""Data package: the JSON Schemas of request bodies and scenarios (read, never imported)."""
