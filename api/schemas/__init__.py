"""The API's response models: the JSON shapes of API.md, one module per domain.

Services in ``fleet/`` and ``reports/`` return plain values (ORM rows, frozen dataclasses with
exact figures); these Pydantic models are the projection the HTTP surface writes. They read
those values by attribute (``from_attributes``), so a service never builds an HTTP shape and a
report never reads one back. The request models (``…In``) stay in ``fleet/schemas``: they are
the commands the services take, validated once at the edge.
"""
