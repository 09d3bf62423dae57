"""Data package: the bundled scenarios (read, never imported)."""
