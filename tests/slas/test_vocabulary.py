"""slas/vocabulary.py holds each vocabulary once; the API schema, the report data, the web pages and
the report templates derive theirs from it (docs/ARCHITECTURE.md, "Adding a metric")."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest

from slas import vocabulary as v

ROOT = Path(__file__).resolve().parents[2]


def enum_of(openapi: dict[str, Any], schema: str, prop: str) -> list[str]:
    found = openapi["components"]["schemas"][schema]["properties"][prop]
    for option in found.get("anyOf", [found]):
        if "enum" in option:
            return list(option["enum"])
    raise AssertionError(f"{schema}.{prop} has no enum")


def test_each_tuple_is_the_values_of_its_literal_in_order() -> None:
    assert get_args(v.Priority) == v.PRIORITIES
    assert get_args(v.Metric) == v.METRICS
    assert get_args(v.ClockKind) == v.CLOCK_KINDS
    assert get_args(v.EventType) == v.EVENT_TYPES
    assert get_args(v.TicketStatus) == v.TICKET_STATUSES
    assert get_args(v.AvailabilityDefinition) == v.AVAILABILITY_DEFINITIONS


def test_event_types_nest_the_recorded_ones_which_nest_the_milestones() -> None:
    assert ("reported", *v.RECORDED_EVENT_TYPES, "corrected") == v.EVENT_TYPES
    assert v.RECORDED_EVENT_TYPES[:len(v.MILESTONES)] == v.MILESTONES
    assert ("open", *v.MILESTONES, "paused") == v.TICKET_STATUSES
    assert set(v.OPEN_STATUSES) | set(v.FINISHED_STATUSES) == set(v.TICKET_STATUSES)
    assert not set(v.OPEN_STATUSES) & set(v.FINISHED_STATUSES)


def test_every_value_has_exactly_one_display_name_in_the_vocabulary_order() -> None:
    assert tuple(v.PRIORITY_MEANINGS) == v.PRIORITIES
    assert tuple(v.METRIC_NAMES) == v.METRICS
    assert tuple(v.EVENT_NAMES) == v.EVENT_TYPES
    assert tuple(v.STATUS_NAMES) == v.TICKET_STATUSES
    assert set(v.EVENT_ACTIONS) == set(v.RECORDED_EVENT_TYPES) - {"priority_changed"}
    assert tuple(v.AVAILABILITY_TERMS) == v.AVAILABILITY_DEFINITIONS
    assert all(term.code == code for code, term in v.AVAILABILITY_TERMS.items())
    labels = [t.api_label for t in v.AVAILABILITY_TERMS.values()]
    assert len(set(labels)) == len(labels)


def test_the_clock_engine_re_exports_the_vocabulary_itself() -> None:
    import slas
    from slas import clocks

    for name in ("PRIORITIES", "METRICS", "CLOCK_KINDS", "EVENT_TYPES"):
        assert getattr(clocks, name) is getattr(v, name) is getattr(slas, name)


def test_every_metric_priority_clock_and_event_is_in_the_api_schema() -> None:
    pytest.importorskip("fastapi")
    from api.app import create_app
    from api.settings import Settings

    openapi = create_app(Settings(data_dir=ROOT / ".no-such-dir", secret_key="x").resolved()).openapi()
    assert enum_of(openapi, "SlaTargetIn", "metric") == list(v.METRICS)
    assert enum_of(openapi, "SlaTargetIn", "priority") == list(v.PRIORITIES)
    assert enum_of(openapi, "TicketIn", "priority") == list(v.PRIORITIES)
    assert enum_of(openapi, "EventIn", "priority") == list(v.PRIORITIES)
    assert enum_of(openapi, "SlaTargetIn", "clock") == list(v.CLOCK_KINDS)
    assert enum_of(openapi, "EventIn", "type") == list(v.RECORDED_EVENT_TYPES)


def test_the_report_data_and_the_services_take_their_literals_from_the_vocabulary() -> None:
    from fleet import timeline, worklist
    from fleet.schemas import tickets, types
    from reports import data

    assert (data.Metric, data.Priority, data.ClockKind) == (v.Metric, v.Priority, v.ClockKind)
    assert (data.MetricState, data.AvailabilityDefinition) == (v.MetricState, v.AvailabilityDefinition)
    assert data.METRICS is v.METRICS and data.PRIORITIES is v.PRIORITIES
    assert (types.Metric, types.Priority, types.ClockKind) == (v.Metric, v.Priority, v.ClockKind)
    assert tickets.EventType == v.RecordedEventType
    assert timeline.MILESTONES is v.MILESTONES and timeline.EVENT_TYPES is v.RECORDED_EVENT_TYPES
    assert worklist.OPEN is v.OPEN_STATUSES
    schema = data.ContractReviewData.model_json_schema()
    enums = [d.get("enum") for d in _walk(schema)]
    assert list(v.METRICS) in enums and list(v.AVAILABILITY_DEFINITIONS) in enums


def test_the_pages_and_the_report_templates_get_the_vocabulary_s_names() -> None:
    from api.web import field
    from api.web.render import templates
    from reports.render import environment, metric_name

    web = templates.env.globals
    assert web["METRIC_NAMES"] is v.METRIC_NAMES and web["STATUS_NAMES"] is v.STATUS_NAMES
    assert web["EVENT_NAMES"] is v.EVENT_NAMES and web["PRIORITY_MEANINGS"] is v.PRIORITY_MEANINGS
    assert field.ACTIONS is v.EVENT_ACTIONS
    report = environment().globals
    assert report["EVENT_NAMES"] is v.EVENT_NAMES and report["AVAILABILITY_TERMS"] is v.AVAILABILITY_TERMS
    assert [metric_name(m) for m in v.METRICS] == list(v.METRIC_NAMES.values())


def test_the_availability_label_of_the_api_and_the_code_of_the_report_come_from_one_table() -> None:
    assert v.AVAILABILITY_TERMS[v.availability_definition(False)].api_label == "Ao"
    assert v.AVAILABILITY_TERMS[v.availability_definition(True)].api_label == "maintenance excluded"
    assert v.availability_definition(False) == "operational_ao"


#: A display name written as a mapping entry (``"on_site": "On site"``) or a whole vocabulary written as a
#: list (``"response", "on_site", "restore", "resolve"``) outside slas/vocabulary.py is a second copy.
_COPIES = [re.compile(rf'"{re.escape(k)}"\s*:\s*"{re.escape(name)}"')
           for names in (v.METRIC_NAMES, v.EVENT_NAMES, v.STATUS_NAMES, v.EVENT_ACTIONS, v.PRIORITY_MEANINGS)
           for k, name in names.items()]
_COPIES += [re.compile(r",\s*".join(f'"{re.escape(value)}"' for value in values))
            for values in (v.PRIORITIES, v.METRICS, v.CLOCK_KINDS, v.MILESTONES, v.RECORDED_EVENT_TYPES,
                           v.EVENT_TYPES, v.TICKET_STATUSES, v.OPEN_STATUSES, v.AVAILABILITY_DEFINITIONS)]


@pytest.mark.parametrize("package", ["api", "fleet", "reports", "slas"])
def test_no_source_file_or_template_keeps_a_copy_of_a_vocabulary(package: str) -> None:
    copies = []
    for path in sorted((ROOT / package).rglob("*")):
        if path.suffix not in (".py", ".html") or path == ROOT / "slas" / "vocabulary.py":
            continue
        text = path.read_text(encoding="utf-8")
        copies += [f"{path.relative_to(ROOT)}: {m.group(0)}" for rx in _COPIES for m in rx.finditer(text)]
    assert copies == []


def _walk(node: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(node, dict):
        out.append(node)
        for value in node.values():
            out += _walk(value)
    elif isinstance(node, list):
        for value in node:
            out += _walk(value)
    return out
