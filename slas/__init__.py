"""slatrack's judgement core: calendars, SLA clocks, compliance, credits, availability.

Pure Python: no database, no web framework, no I/O, never reads a clock;
every instant (``at``, ``as_of``) is a parameter, so each figure can be
recomputed from the record as of any moment.
"""

from slas.availability import (
    STATES,
    StatusChange,
    UnitAvailability,
    fleet_availability,
    local_month_label,
    months_between,
    state_timeline,
    unit_availability,
    unit_availability_series,
)
from slas.calendars import (
    TWENTY_FOUR_SEVEN,
    WEEKDAYS,
    BusinessCalendar,
    Clock,
    PositionalClock,
    TwentyFourSeven,
)
from slas.clocks import (
    CLOCK_KINDS,
    EVENT_TYPES,
    METRICS,
    PRIORITIES,
    Event,
    MetricClock,
    PolicyVersion,
    Target,
    TicketSla,
    evaluate,
    targets_in_force,
)
from slas.compliance import MetricCompliance, compliance
from slas.credits import (
    AQL_MISSED,
    PER_BREACH,
    CreditLine,
    CreditTerms,
    ServiceCredits,
    cents,
    prorated_value,
    service_credits,
)
from slas.errors import (
    InvalidCalendar,
    InvalidEvent,
    InvalidStatus,
    InvalidTarget,
    NaiveDatetime,
    SlaError,
)
from slas.intervals import as_utc

__all__ = [
    "AQL_MISSED",
    "CLOCK_KINDS",
    "EVENT_TYPES",
    "METRICS",
    "PER_BREACH",
    "PRIORITIES",
    "STATES",
    "TWENTY_FOUR_SEVEN",
    "WEEKDAYS",
    "BusinessCalendar",
    "Clock",
    "CreditLine",
    "CreditTerms",
    "Event",
    "InvalidCalendar",
    "InvalidEvent",
    "InvalidStatus",
    "InvalidTarget",
    "MetricClock",
    "MetricCompliance",
    "NaiveDatetime",
    "PolicyVersion",
    "PositionalClock",
    "ServiceCredits",
    "SlaError",
    "StatusChange",
    "Target",
    "TicketSla",
    "TwentyFourSeven",
    "UnitAvailability",
    "as_utc",
    "cents",
    "compliance",
    "evaluate",
    "fleet_availability",
    "local_month_label",
    "months_between",
    "prorated_value",
    "service_credits",
    "state_timeline",
    "targets_in_force",
    "unit_availability",
    "unit_availability_series",
]
