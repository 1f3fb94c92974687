"""Domain errors raised by the SLA judgement core.

Every error is a ``ValueError`` so a caller that maps bad input to one JSON error
shape can catch ``SlaError`` (or plain ``ValueError``) in one place.  Messages are
written for a human: they say what was wrong and what would be accepted.
"""

from __future__ import annotations


class SlaError(ValueError):
    """Base class of every error raised by ``slas``."""


class NaiveDatetime(SlaError):
    """An instant without a timezone was given.

    Rule: every instant going into ``slas`` must be timezone-aware; a naive
    ``datetime`` is ambiguous (site-local? server-local? UTC?) and is refused
    rather than guessed.
    """


class InvalidCalendar(SlaError):
    """A coverage calendar specification is not usable (bad zone, hours, holidays)."""


class InvalidTarget(SlaError):
    """An SLA target names an unknown priority, metric or clock, or has bad minutes."""


class InvalidEvent(SlaError):
    """A ticket event has an unknown type or lacks a field its type requires."""


class InvalidStatus(SlaError):
    """A unit status change names a state other than up, down or maintenance."""


class ImpossibleEvent(SlaError):
    """An event that the ticket's timeline cannot take (a milestone out of order, a pause
    without a reason, anything but a reopen after closed): see :mod:`slas.lifecycle`."""
