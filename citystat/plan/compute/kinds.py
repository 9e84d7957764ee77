"""The checked measure spec: one frozen class per kind of aggregate.

Every kind shares `BaseSpec` (the dataset, its date, the grain, the filter, the scale,
whether the value runs over the fiscal year, the breakdowns, and the spec as written) and
carries only the fields its aggregates use, each required where it is required. The
registry (aggregates.py) names the kind of each aggregate; spec.py's checker builds it;
the compiler and its callers narrow on the class (`isinstance`, `match`) rather than on
the aggregate's name. `MeasureSpec` is the union of the kinds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeGuard

from ibis.common.deferred import Deferred

from citystat.lib.periods import Grain

if TYPE_CHECKING:
    from citystat.plan.compute.aggregates import AggregateName

# "year" when `date` is an integer field holding the (fiscal) year itself.
DateKind = Literal["date", "year"]


class Identity:
    """Equality and hash by what the fields say, for a frozen dataclass holding Deferreds.

    Ibis's Deferred builds an expression from `==` rather than answering it, so the
    dataclass's own `__eq__` cannot compare two filters. A filter, condition or duration
    is compiled from its text (filters.py) and prints every column and literal of it, so
    two specs whose fields print alike compute alike (compiled.py keys on the same).
    """

    def identity(self) -> tuple[str, ...]:
        names = [item.name for item in dataclasses.fields(self) if item.compare]  # type: ignore[arg-type]
        return (type(self).__qualname__, *(repr(getattr(self, name)) for name in names))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Identity) and self.identity() == other.identity()

    def __hash__(self) -> int:
        return hash(self.identity())


@dataclass(frozen=True, eq=False)
class Part(Identity):
    """The numerator or denominator of a ratio: a count or a sum over some rows, or the
    values of another measure (`measure`), recomputed at the ratio's grain."""

    aggregate: Literal["count", "sum", "measure"]
    field: str | None = None
    filter: Deferred | None = None
    measure: str | None = None


# Keyword-only, so each kind adds required fields after the base's defaults. Equal specs
# are equal and hash alike (Identity); `source`, the spec as written, is kept for messages
# and keys but is not part of a spec's identity.
@dataclass(frozen=True, kw_only=True, eq=False)
class BaseSpec(Identity):
    """What every kind of measure spec has."""

    aggregate: AggregateName
    dataset: str
    date: str
    grain: Grain
    filter: Deferred | None = None
    scale: float = 1.0
    cumulative: bool = False
    breakdowns: tuple[str, ...] = ()
    date_kind: DateKind = "date"
    source: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)


@dataclass(frozen=True, kw_only=True, eq=False)
class CountSpec(BaseSpec):
    """Rows: `count`."""


@dataclass(frozen=True, kw_only=True, eq=False)
class FieldBase(BaseSpec):
    """The field a kind aggregates, as a column's name or a duration's expression."""

    field: str | None = None
    # The number `field` computes when it is a duration, `days_between(a, b)`; None
    # when `field` names a column.
    field_expression: Deferred | None = None


# FieldSpec and RateSpec only narrow FieldBase: a field keeps its place in the order
# dataclasses list them in, so their identity (and every digest keyed on it) is unchanged.
@dataclass(frozen=True, kw_only=True, eq=False)
class FieldSpec(FieldBase):
    """An aggregate of one field (`sum`, `mean`, `median`, `distinct_count`, `latest`)."""

    # Required here: without a field of its own it would inherit FieldBase's default.
    field: str = dataclasses.field()


@dataclass(frozen=True, kw_only=True, eq=False)
class PercentileSpec(FieldSpec):
    """A percentile of one field, between 0 and 100 (exclusive)."""

    percentile: float


@dataclass(frozen=True, kw_only=True, eq=False)
class RateSpec(FieldBase):
    """Rows, or a field's sum, per 1,000 residents: `rate_per_1000`, whose field is optional."""


@dataclass(frozen=True, kw_only=True, eq=False)
class ShareSpec(BaseSpec):
    """Rows meeting a condition ÷ rows: `share`."""

    condition: Deferred


@dataclass(frozen=True, kw_only=True, eq=False)
class SurveyShareSpec(ShareSpec):
    """A share over survey respondents: stored with its 95% Wilson interval and count of
    respondents, weighted by `weight` when the survey has weights; groups of fewer than
    five respondents are never shown."""

    weight: str | None = None


@dataclass(frozen=True, kw_only=True, eq=False)
class BacklogSpec(BaseSpec):
    """Rows opened by a period's end and not closed by then: `backlog`."""

    closed: str


@dataclass(frozen=True, kw_only=True, eq=False)
class RatioSpec(BaseSpec):
    """numerator ÷ denominator × scale: `ratio`. A ratio of two other measures reads no
    dataset of its own: its `dataset` and `date` are empty."""

    numerator: Part
    denominator: Part


MeasureSpec: TypeAlias = (
    CountSpec
    | FieldSpec
    | PercentileSpec
    | RateSpec
    | ShareSpec
    | SurveyShareSpec
    | BacklogSpec
    | RatioSpec
)
# The kinds whose field may be a duration (`days_between(a, b)`).
MeasuredSpec: TypeAlias = FieldSpec | RateSpec


def uses_measures(spec: BaseSpec) -> TypeGuard[RatioSpec]:
    """Say whether the spec is a ratio one of whose parts is another measure's values."""
    return isinstance(spec, RatioSpec) and parts_use_measures(spec.numerator, spec.denominator)


def parts_use_measures(*parts: Part | None) -> bool:
    return any(part is not None and part.measure for part in parts)
