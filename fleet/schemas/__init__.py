"""Pydantic shapes of the public surface: inputs are strict (no lax coercion of nonsense like
``"minutes": false``), instants must carry an offset, and unknown fields are rejected."""
