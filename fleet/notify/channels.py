"""What the worker sends through: one :class:`Channel` per delivery channel.

A channel sends one claimed delivery (:class:`fleet.notify.deliveries.Claimed`) and returns, or
raises :class:`fleet.notify.deliveries.DeliveryFailed`. It runs with no transaction open and must
be safe to call from several threads at once (the worker sends a batch concurrently).
"""

from __future__ import annotations

from typing import Protocol

from fleet.notify.deliveries import Claimed


class Channel(Protocol):
    def send(self, message: Claimed) -> None: ...
