"""Registry commands (the request bodies the services take): agencies, calendars, contracts (with
versioned SLA targets), units."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StrictInt, StrictStr, model_validator

from fleet.schemas.types import (
    AgencyCode,
    ClockKind,
    ContractNumber,
    Day,
    Instant,
    Metric,
    Money,
    Name,
    Percent,
    Priority,
    Serial,
    ShortName,
    StrictInput,
    TimeZone,
)
from slas.lateness import DEFAULT_WINDOW_HOURS, MAX_WINDOW_HOURS

Code = AgencyCode
HHMM = Annotated[StrictStr, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")]
Weekday = Annotated[StrictStr, Field(pattern=r"^(mon|tue|wed|thu|fri|sat|sun)$")]
# A window is a pair of times. JSON has no tuples, so the pair itself is lax (a 2-item list is
# accepted); its items stay strict strings.
Window = Annotated[tuple[HHMM, HHMM], Field(strict=False)]


class AgencyIn(StrictInput):
    code: Code
    name: ShortName
    timezone: TimeZone


class CalendarIn(StrictInput):
    name: ShortName
    timezone: TimeZone
    weekly_hours: dict[Weekday, list[Window]]
    holiday_country: Annotated[StrictStr, Field(min_length=2, max_length=3)] | None = "US"
    holiday_subdivision: Annotated[StrictStr, Field(min_length=1, max_length=10)] | None = None
    closures: list[Day] = Field(default_factory=list)


class SlaTargetIn(StrictInput):
    priority: Priority
    metric: Metric
    minutes: Annotated[StrictInt, Field(gt=0, le=525_600)]
    clock: ClockKind


class ServiceCreditsIn(StrictInput):
    """How the contract prices a miss. ``per_breach_amount``: owed for every breached SLA clock;
    ``aql_miss_percent``: percent of the period's prorated contract value owed for each
    (priority, metric) that misses the AQL; ``cap_percent``: ceiling on the period's credits as a
    percent of the period's value."""

    per_breach_amount: Money | None = None
    aql_miss_percent: Percent | None = None
    cap_percent: Percent | None = None


def _unique_targets(targets: list[SlaTargetIn]) -> list[SlaTargetIn]:
    seen: set[tuple[str, str]] = set()
    for t in targets:
        if (t.priority, t.metric) in seen:
            raise ValueError(f"two targets for {t.priority} {t.metric}; give one per priority and metric")
        seen.add((t.priority, t.metric))
    return targets


class ContractIn(StrictInput):
    agency_id: StrictStr
    number: ContractNumber
    title: Name
    start_date: Day
    end_date: Day
    calendar_id: StrictStr
    value: Money
    currency: Annotated[StrictStr, Field(pattern=r"^[A-Z]{3}$", max_length=3)] = "USD"
    point_of_contact: Name
    aql_percent: Percent
    availability_target_percent: Percent
    exclude_scheduled_maintenance: StrictBool = True
    pause_allowed: StrictBool = True
    warning_percent: Annotated[StrictInt, Field(ge=1, le=99)] = 75
    reporting_window_hours: Annotated[StrictInt, Field(ge=1, le=MAX_WINDOW_HOURS)] = DEFAULT_WINDOW_HOURS
    service_credits: ServiceCreditsIn | None = None
    sla_targets: Annotated[list[SlaTargetIn], Field(min_length=1, max_length=16)]

    @model_validator(mode="after")
    def _check(self) -> ContractIn:
        if self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        _unique_targets(self.sla_targets)
        return self


class SlaPolicyIn(StrictInput):
    """A new version of a contract's targets, for tickets reported from ``effective_from`` on."""

    effective_from: Instant
    reason: Name
    sla_targets: Annotated[list[SlaTargetIn], Field(min_length=1, max_length=16)]

    @model_validator(mode="after")
    def _check(self) -> SlaPolicyIn:
        _unique_targets(self.sla_targets)
        return self


class UnitIn(StrictInput):
    contract_id: StrictStr
    serial: Serial
    model: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    site: Name
    in_service_at: Instant
    notes: Annotated[StrictStr, Field(max_length=2000)] | None = None
