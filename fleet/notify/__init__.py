"""Notifications: decided with the fact that causes them, delivered at least once by the worker.

- :mod:`fleet.notify.events`: the event types (fixed names agencies' integrations depend on) and
  the default rules (who is told of what by e-mail when a contract says nothing).
- :mod:`fleet.notify.outbox`: :func:`~fleet.notify.outbox.emit` decides a notification and its
  deliveries in the caller's transaction (the transactional outbox), audited.
- :mod:`fleet.notify.alarms`: the clock alarms, re-planned on every ticket write and fired by the
  worker when due (checked against the clocks again first).
- :mod:`fleet.notify.deliveries`: the worker's claim / settle cycle (leases, retries with backoff,
  the dead-letter state and an admin's retry).
- :mod:`fleet.notify.hooks`: what a ticket write calls.
"""
