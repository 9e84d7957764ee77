"""A checked spec is a frozen class of its aggregate's kind, carrying only what it uses (#22).

The plan file's format does not change, so neither does a measure's spec digest: after an
upgrade no measure may look edited (`citystat compute --changed` would recompute them all).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json

import ibis
import pytest

from citystat.demo.build import (
    PLAN_FILE,
    ensure_departments,
    plan_department_names,
    save_dataset,
)
from citystat.demo.datasets import DEMO_DATASETS
from citystat.lib.periods import FiscalCalendar
from citystat.plan.compute import compiled
from citystat.plan.compute.aggregates import REGISTRY
from citystat.plan.compute.engine import ComputeError, Context, aggregations
from citystat.plan.compute.kinds import (
    BacklogSpec,
    BaseSpec,
    CountSpec,
    FieldSpec,
    Part,
    PercentileSpec,
    RateSpec,
    RatioSpec,
    ShareSpec,
    SurveyShareSpec,
    uses_measures,
)
from citystat.plan.compute.run import dataset_schemas, measure_specs
from citystat.plan.compute.spec import SpecError, check_spec
from citystat.plan.documents import load_plan_file
from citystat.plan.models import Measure
from citystat.plan.tests.conftest import REQUESTS_SCHEMA
from citystat.plan.tests.test_plan_documents import speak_the_demo_languages

SURVEY_SCHEMA = {
    "fields": [
        {"name": "respondent", "type": "integer"},
        {"name": "survey_date", "type": "date"},
        {"name": "q_trash", "type": "integer"},
        {"name": "weight", "type": "number"},
    ]
}
BUDGET_SCHEMA = {
    "fields": [{"name": "fiscal_year", "type": "integer"}, {"name": "amount", "type": "number"}]
}
SCHEMAS = {"requests": REQUESTS_SCHEMA, "survey": SURVEY_SCHEMA, "budget": BUDGET_SCHEMA}
BASE = {"dataset": "requests", "date": "created_date", "grain": "month"}
# The common fields every kind has, and what each kind adds.
COMMON = {field.name for field in dataclasses.fields(BaseSpec)}
ADDED: dict[type[BaseSpec], set[str]] = {
    CountSpec: set(),
    FieldSpec: {"field", "field_expression"},
    PercentileSpec: {"field", "field_expression", "percentile"},
    RateSpec: {"field", "field_expression"},
    ShareSpec: {"condition"},
    SurveyShareSpec: {"condition", "weight"},
    BacklogSpec: {"closed"},
    RatioSpec: {"numerator", "denominator"},
}


def checked(**spec):
    return check_spec({**BASE, **spec}, SCHEMAS, FiscalCalendar())


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ({"aggregate": "count", "filter": "category = 'Pothole'"}, CountSpec),
        ({"aggregate": "sum", "field": "days_to_close"}, FieldSpec),
        ({"aggregate": "mean", "field": "days_between(created_date, closed_date)"}, FieldSpec),
        ({"aggregate": "median", "field": "days_to_close"}, FieldSpec),
        ({"aggregate": "distinct_count", "field": "category"}, FieldSpec),
        ({"aggregate": "latest", "field": "days_to_close"}, FieldSpec),
        ({"aggregate": "percentile", "field": "days_to_close", "percentile": 90}, PercentileSpec),
        ({"aggregate": "rate_per_1000"}, RateSpec),
        ({"aggregate": "rate_per_1000", "field": "days_to_close"}, RateSpec),
        ({"aggregate": "share", "condition": "days_to_close <= 7"}, ShareSpec),
        ({"aggregate": "backlog", "closed": "closed_date"}, BacklogSpec),
        (
            {
                "aggregate": "ratio",
                "numerator": {"aggregate": "count"},
                "denominator": {"aggregate": "count"},
            },
            RatioSpec,
        ),
    ],
)
def test_each_aggregate_is_checked_into_its_kind_with_only_its_fields(raw, kind):
    spec = checked(**raw)
    assert type(spec) is kind
    assert REGISTRY[raw["aggregate"]].kind is kind
    assert {field.name for field in dataclasses.fields(spec)} == COMMON | ADDED[kind]
    assert spec.aggregate == raw["aggregate"]
    assert spec.source == {**BASE, **raw}
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.grain = "year"


def test_each_kind_holds_the_values_its_spec_gives():
    percentile = checked(aggregate="percentile", field="days_to_close", percentile=90)
    assert (percentile.field, percentile.field_expression, percentile.percentile) == (
        "days_to_close",
        None,
        90.0,
    )
    duration = checked(aggregate="mean", field="days_between(created_date, closed_date)")
    assert duration.field_expression is not None
    assert checked(aggregate="rate_per_1000").field is None
    backlog = checked(aggregate="backlog", closed="closed_date", breakdowns=["category"])
    assert (backlog.closed, backlog.breakdowns) == ("closed_date", ("category",))
    ratio = checked(
        aggregate="ratio",
        numerator={"aggregate": "sum", "field": "days_to_close", "filter": "late"},
        denominator={"aggregate": "count"},
        scale=100,
    )
    assert ratio.numerator.aggregate == "sum" and ratio.numerator.field == "days_to_close"
    assert ratio.denominator == Part("count")
    assert ratio.scale == 100.0 and not uses_measures(ratio)
    share = checked(aggregate="share", condition="late")
    assert share.scale == 100.0 and not isinstance(share, SurveyShareSpec)
    year = check_spec(
        {"dataset": "budget", "date": "fiscal_year", "aggregate": "sum", "field": "amount"}
        | {"grain": "fiscal_year"},
        SCHEMAS,
    )
    assert (type(year), year.date_kind) == (FieldSpec, "year")


def test_a_survey_share_is_its_own_kind_with_its_weight():
    survey = {"dataset": "survey", "date": "survey_date", "grain": "fiscal_year"}
    raw = {**survey, "aggregate": "share", "condition": "q_trash >= 4"}
    weighted = check_spec({**raw, "survey": {"weight": "weight"}}, SCHEMAS)
    assert type(weighted) is SurveyShareSpec and weighted.weight == "weight"
    unweighted = check_spec({**raw, "survey": True}, SCHEMAS)
    assert type(unweighted) is SurveyShareSpec and unweighted.weight is None
    assert type(check_spec({**raw, "survey": False}, SCHEMAS)) is ShareSpec


def test_a_ratio_of_two_measures_is_a_ratio_that_reads_no_dataset():
    measures = {
        "open": {**BASE, "aggregate": "count"},
        "closed": {**BASE, "aggregate": "count", "filter": "closed_date is not null"},
    }
    raw = {
        "aggregate": "ratio",
        "numerator": {"measure": "closed"},
        "denominator": {"measure": "open"},
        "grain": "month",
    }
    spec = check_spec(raw, SCHEMAS, FiscalCalendar(), measures, "rate")
    assert type(spec) is RatioSpec and (spec.dataset, spec.date) == ("", "")
    assert spec.numerator == Part("measure", measure="closed")
    assert uses_measures(spec)


def test_a_kind_requires_the_fields_it_needs_and_takes_no_other():
    common = {"aggregate": "share", "dataset": "requests", "date": "created_date"}
    with pytest.raises(TypeError, match="condition"):
        ShareSpec(**common, grain="month")
    with pytest.raises(TypeError, match="field"):
        CountSpec(**{**common, "aggregate": "count"}, grain="month", field="x")


def test_equal_specs_are_equal_and_share_their_compiled_statements_key():
    backend = ibis.duckdb.connect()
    context = Context(FiscalCalendar(), schemas=SCHEMAS)
    raw = {**BASE, "aggregate": "share", "condition": "late", "filter": "category = 'Pothole'"}
    first = check_spec(copy.deepcopy(raw), SCHEMAS)
    again = check_spec(copy.deepcopy(raw), SCHEMAS)
    assert first == again and hash(first) == hash(again) and len({first, again}) == 1
    key = compiled.statements_key("grouped", backend, "t", first, context)
    assert key == compiled.statements_key("grouped", backend, "t", again, context)
    other = check_spec({**raw, "condition": "not late"}, SCHEMAS)
    assert other != first and len({first, other}) == 2
    assert check_spec({**raw, "filter": "category = 'Trash'"}, SCHEMAS) != first
    assert compiled.statements_key("grouped", backend, "t", other, context) != key
    # A count and a share of the same rows are other kinds and other statements.
    count = check_spec({**BASE, "aggregate": "count", "filter": "category = 'Pothole'"}, SCHEMAS)
    assert compiled.statements_key("grouped", backend, "t", count, context) != key


def test_a_builder_is_never_given_a_spec_of_another_kind():
    table = ibis.table({"created_date": "date", "days_to_close": "int64"}, name="t")
    count = checked(aggregate="count")
    wrong = CountSpec(**{f.name: getattr(count, f.name) for f in dataclasses.fields(count)})
    object.__setattr__(wrong, "aggregate", "sum")
    with pytest.raises(ComputeError, match="a sum is built from a FieldSpec"):
        aggregations(table, wrong)


def old_digest(spec: dict) -> str:  # type: ignore[type-arg]
    """The digest as written before the kinds (plan/models.py, COMPUTE_RULES 2)."""
    canonical = json.dumps({"rules": 2, "spec": spec}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# Digests computed on main before the spec kinds, one spec per kind.
FROZEN_DIGESTS = {
    "aa3c6675b35948f12d169be4b662f81b4606e1760094651bad9a963b20b8bb49": {
        "dataset": "service-requests",
        "date": "created_date",
        "aggregate": "count",
        "grain": "month",
        "filter": "category = 'Streets'",
        "breakdowns": ["council_district"],
    },
    "90952e5aedcbad8669063cb725357c328510e1f4e866b7ea65301d2192430d27": {
        "dataset": "budget",
        "date": "fiscal_year",
        "aggregate": "sum",
        "field": "amount",
        "grain": "fiscal_year",
    },
    "7fcac9975299c2d3b6ec658702578d2eb1682632cfce1eb4a48f43b28797e63c": {
        "dataset": "service-requests",
        "date": "created_date",
        "aggregate": "percentile",
        "field": "days_between(created_date, closed_date)",
        "percentile": 90,
        "grain": "quarter",
    },
    "9348b6ec54df92112fd38ea3f0cff825d56c48c91b7e456f38273bf9ffce08f2": {
        "dataset": "crimes",
        "date": "reported_date",
        "aggregate": "rate_per_1000",
        "grain": "year",
    },
    "d1f92667a4cf414af2cbb53143956ca63d1c8747c383327406ad2532ab5cf05f": {
        "dataset": "service-requests",
        "date": "created_date",
        "aggregate": "share",
        "condition": "days_between(created_date, closed_date) <= 7",
        "grain": "month",
        "cumulative": True,
    },
    "5e5a4e59f6ec9f5047a85923ca287cffe9a1637e4560ab962ea55814c08c041c": {
        "dataset": "resident-survey",
        "date": "survey_date",
        "aggregate": "share",
        "condition": "q_trash >= 4",
        "survey": {"weight": "weight"},
        "grain": "fiscal_year",
    },
    "d8dafc002054f63204cc1b9e8e512a3e7fa26402790f004c14126b5b06b65646": {
        "dataset": "service-requests",
        "date": "created_date",
        "closed": "closed_date",
        "aggregate": "backlog",
        "grain": "week",
    },
    "96ab6c1d1baff7a5da0f3d04c633d0e6010c1738edac7027ccc5a6c656fb5fb2": {
        "dataset": "service-requests",
        "date": "created_date",
        "aggregate": "ratio",
        "numerator": {"aggregate": "count", "filter": "status = 'closed'"},
        "denominator": {"aggregate": "count"},
        "scale": 100,
        "grain": "month",
    },
    "7ac3723f84379fb339d3d8a1af63f9c25232188f2e7e36e7cc1d220c10c29fff": {
        "aggregate": "ratio",
        "numerator": {"measure": "a"},
        "denominator": {"measure": "b"},
        "grain": "year",
    },
}


@pytest.mark.parametrize("digest", FROZEN_DIGESTS)
def test_a_spec_digest_is_the_one_computed_before_the_kinds(digest):
    assert Measure(spec=FROZEN_DIGESTS[digest]).spec_digest == digest


def test_every_demo_measure_checks_into_its_kind_with_its_digest_unchanged(db):
    speak_the_demo_languages()
    ensure_departments(plan_department_names())
    for definition in DEMO_DATASETS:
        save_dataset(definition)
    load_plan_file(PLAN_FILE)
    schemas, specs = dataset_schemas(), measure_specs()
    kinds = set()
    computed = Measure.objects.exclude(spec={})
    assert computed.count() > 50
    for measure in computed:
        assert measure.spec_digest == old_digest(measure.spec), measure.slug
        spec = check_spec(measure.spec, schemas, FiscalCalendar(), specs, measure.slug)
        assert isinstance(spec, REGISTRY[spec.aggregate].kind), measure.slug
        assert spec.source == measure.spec
        assert spec == check_spec(measure.spec, schemas, FiscalCalendar(), specs, measure.slug)
        kinds.add(type(spec))
    # The demo plan uses most kinds; each is checked above.
    assert {CountSpec, FieldSpec, ShareSpec, SurveyShareSpec, RatioSpec} <= kinds


# Bad specs of every kind, each refused with the messages main gave before the kinds
# (computed there and kept here): `B` is BASE.
B = BASE
BAD_SPECS = [
    {
        **B,
        "aggregate": "count",
        "field": "days_to_close",
        "condition": "late",
        "closed": "closed_date",
        "percentile": 5,
    },
    {**B, "aggregate": "sum"},
    {**B, "aggregate": "sum", "field": "category", "cumulative": "yes"},
    {**B, "aggregate": "percentile", "field": "days_to_close", "percentile": 100},
    {
        **B,
        "aggregate": "median",
        "field": "days_between(created_date, categry)",
        "cumulative": True,
    },
    {**B, "aggregate": "share", "survey": {"weight": "category", "size": 3}},
    {
        **B,
        "aggregate": "share",
        "condition": "categry = 'x'",
        "scale": 0,
        "breakdowns": ["district"],
    },
    {**B, "aggregate": "backlog"},
    {**B, "aggregate": "backlog", "closed": "category", "survey": True},
    {
        **B,
        "aggregate": "ratio",
        "numerator": {"aggregate": "max"},
        "denominator": {"aggregate": "sum", "fild": "x"},
    },
    {
        **B,
        "aggregate": "ratio",
        "numerator": {"measure": "nope"},
        "denominator": {"aggregate": "count"},
        "cumulative": True,
    },
    {**B, "aggregate": "rate_per_1000", "field": "category", "grain": "fortnight"},
    {
        "dataset": "budget",
        "date": "fiscal_year",
        "grain": "fiscal_year",
        "aggregate": "backlog",
        "closed": "fiscal_year",
    },
    {
        "dataset": "budget",
        "date": "fiscal_year",
        "grain": "month",
        "aggregate": "sum",
        "field": "amount",
    },
    {
        "aggregate": "ratio",
        "numerator": {"aggregate": "count"},
        "denominator": {"measure": "open", "filter": "x"},
        "grain": "month",
        "filter": "late",
        "cumulative": True,
    },
    {**B, "aggregate": "avg", "filtr": "late"},
    {
        **B,
        "aggregate": "ratio",
        "numerator": {"measure": "open"},
        "denominator": {"aggregate": "count"},
        "cumulative": True,
    },
]
REFUSALS = [
    [
        "field: a count spec takes no field.",
        "percentile: only a percentile spec takes a percentile.",
        "closed: only a backlog spec names the field that closes an item.",
        "condition: only a share spec has a condition.",
    ],
    ["field: name the field, a number field of the dataset."],
    ["field: field 'category' is string, not a number field.", "cumulative: write true or false."],
    ["percentile: 100 should be a number between 0 and 100, like 90."],
    [
        "field: unknown field 'categry' — did you mean 'category'?",
        "cumulative: a median cannot be added up over the fiscal year; cumulative works with "
        "count, mean, rate_per_1000, ratio, share, sum.",
    ],
    [
        "condition: a share spec needs the condition rows must meet.",
        "survey.size: unknown key",
        "survey.weight: field 'category' is string, not a number field.",
    ],
    [
        "condition: unknown field 'categry' — did you mean 'category'?",
        "scale: 0 should be a number other than 0, such as 100.",
        "breakdowns[0]: unknown field 'district' — did you mean 'council_district'?",
    ],
    ["closed: name the field, a date field of the dataset."],
    [
        "closed: field 'category' is string, not a date field.",
        "survey: only a share of respondents is a survey measure.",
    ],
    [
        "numerator.aggregate: 'max' should be count or sum.",
        "denominator.fild: unknown key — did you mean 'field'?",
        "denominator.field: name the field, a number field of the dataset.",
    ],
    ["numerator.measure: 'nope' is not a measure of the plan — did you mean 'open'?"],
    ["grain: 'fortnight' is not one of day, week, month, quarter, fiscal_year, year"],
    [
        "closed: field 'fiscal_year' is integer, not a date field.",
        "date: a year field cannot place rows within a year; use a date.",
    ],
    ["date: field 'fiscal_year' is integer, not a date field."],
    [
        "cumulative: a ratio of two measures reads no dataset itself; its measures do. Name a "
        "dataset to use this key.",
        "filter: a ratio of two measures reads no dataset itself; its measures do. Name a "
        "dataset to use this key.",
        "numerator: without a dataset, both parts name a measure: {measure: <slug>}.",
        "denominator.filter: a part that names a measure takes nothing else.",
    ],
    [
        "filtr: unknown key — did you mean 'filter'?",
        "aggregate: 'avg' is not one of count, sum, mean, median, percentile, distinct_count, "
        "share, backlog, latest, ratio, rate_per_1000",
    ],
    ["cumulative: a ratio of measures is not added up over the year."],
]


@pytest.mark.parametrize(("raw", "problems"), list(zip(BAD_SPECS, REFUSALS, strict=True)))
def test_a_bad_spec_of_any_kind_is_refused_with_the_messages_it_had(raw, problems):
    with pytest.raises(SpecError) as refused:
        check_spec(raw, SCHEMAS, None, {"open": {**BASE, "aggregate": "count"}}, "me")
    assert refused.value.problems == problems
