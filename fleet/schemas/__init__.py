"""The request models of the public surface (the commands services take): strict (no lax
coercion of nonsense like ``"minutes": false``), instants must carry an offset, unknown fields are
rejected. The response models are the API's own, in ``api/schemas``."""
