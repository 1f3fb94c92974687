"""System of record: database, ORM models, services (use cases), audit ledger, tenancy.

Services take a ``Session`` and a ``Principal``; they flush but never commit. The boundary
(an HTTP request dependency or a CLI command) owns the transaction.
"""
