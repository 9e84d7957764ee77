"""The plan's REST API under /api/v1/ (docs/api.md): read for everyone, write by token."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response
from django.utils.dateparse import parse_date
from django.utils.http import http_date
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from citystat.api.rest import serializers as api
from citystat.plan.manual import Entry, ManualValueError, check_entry, save_entries
from citystat.plan.models import (
    Goal,
    Measure,
    MeasureValue,
    Narrative,
    NarrativePeriodError,
    PriorityArea,
    Target,
    TargetChangeError,
    narrative_period,
)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Database ids are signed 64-bit; a larger number would overflow the query, not miss.
LARGEST_ID = 2**63


# What any operation may answer besides its own success (docs/api.md); the document says
# so, so clients (and schemathesis) expect them.
ERROR_RESPONSES = {
    "400": "A parameter or field is wrong: {field: [problems]}.",
    "401": "A write without a token, or with one that is unknown, revoked or expired.",
    "403": "The token may not do this (read scope, role, or another department's measure).",
    "404": "No such public object, or no such page.",
    "429": "Over the rate limit; the Retry-After header says how many seconds to wait.",
}


class PlanApiSchema(AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_RESPONSES.items():
            responses.setdefault(
                code,
                {
                    "description": description,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
            )
        return responses


class Pages(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class PlanApiView(viewsets.GenericViewSet):
    """Reads get an ETag and (where known) Last-Modified, and answer 304 when unchanged.

    CORS comes from django-cors-headers (settings.CORS_*), for every API alike.
    """

    pagination_class = Pages
    schema = PlanApiSchema()

    def last_modified(self) -> Any:
        return None

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Throttled):
            # The same 429 body as SODA, CKAN and Open311 (citystat/accounts/ratelimit.py).
            wait = max(1, math.ceil(exc.wait or 1))
            body = {
                "code": "too_many_requests",
                "error": True,
                "message": f"Rate limit exceeded; retry after {wait} seconds.",
                "retry_after": wait,
            }
            return Response(body, status=429, headers={"Retry-After": str(wait)})
        return super().handle_exception(exc)

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in SAFE_METHODS:
            return response
        if request.method == "OPTIONS" or response.status_code != 200:
            return response
        if isinstance(response, Response):
            response.render()
        if not isinstance(response, HttpResponse):
            return response
        etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        response["ETag"] = etag
        modified = self.last_modified()
        if modified is not None:
            response["Last-Modified"] = http_date(modified.timestamp())
        conditional = get_conditional_response(
            request._request,
            etag=etag,
            last_modified=int(modified.timestamp()) if modified else None,
            response=response,
        )
        return conditional or response


def optional_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        number = int(raw)
    except ValueError:
        raise ValidationError({name: f"{raw!r} is not a whole number."}) from None
    if not 0 < number < LARGEST_ID:
        raise ValidationError({name: f"{raw} is not an id (ids are positive, below 2⁶³)."})
    return number


PLAN_FILTER = OpenApiParameter("plan", str, description="Only this plan (its slug).")


@extend_schema(tags=["plan"], parameters=[PLAN_FILTER])
class PriorityAreaViews(PlanApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = api.PriorityAreaSerializer

    def get_queryset(self) -> QuerySet[PriorityArea]:
        areas = PriorityArea.objects.select_related("plan").prefetch_related("goals")
        plan = self.request.query_params.get("plan")
        return areas.filter(plan__slug=plan) if plan else areas


@extend_schema(
    tags=["plan"],
    parameters=[
        PLAN_FILTER,
        OpenApiParameter("priority_area", int, description="Only this priority area (its id)."),
    ],
)
class GoalViews(PlanApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = api.GoalSerializer

    def get_queryset(self) -> QuerySet[Goal]:
        goals = Goal.objects.select_related("priority_area__plan")
        plan = self.request.query_params.get("plan")
        area = optional_int(self.request, "priority_area")
        if plan:
            goals = goals.filter(priority_area__plan__slug=plan)
        if area is not None:
            goals = goals.filter(priority_area_id=area)
        return goals


MEASURE_FILTERS = [
    PLAN_FILTER,
    OpenApiParameter("priority_area", int, description="Only this priority area (its id)."),
    OpenApiParameter("goal", int, description="Only this goal (its id)."),
    OpenApiParameter("department", str, description="Only this department (its code)."),
    OpenApiParameter("q", str, description="Words in the title or definition."),
]


@extend_schema(tags=["measures"])
class MeasureViews(PlanApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Public measures with their status; values, targets and narratives below each."""

    lookup_field = "slug"
    write_permission: Any = None

    def get_serializer_class(self) -> type:
        return api.MeasureDetailSerializer if self.action == "retrieve" else api.MeasureSerializer

    def get_queryset(self) -> QuerySet[Measure]:
        measures = Measure.objects.filter(is_public=True).select_related(
            "department", "objective__goal__priority_area__plan"
        )
        params = self.request.query_params
        if params.get("plan"):
            measures = measures.filter(objective__goal__priority_area__plan__slug=params["plan"])
        area = optional_int(self.request, "priority_area")
        if area is not None:
            measures = measures.filter(objective__goal__priority_area_id=area)
        goal = optional_int(self.request, "goal")
        if goal is not None:
            measures = measures.filter(objective__goal_id=goal)
        if params.get("department"):
            measures = measures.filter(department__code=params["department"])
        if params.get("q"):
            words = params["q"][:200]
            measures = measures.filter(Q(title__icontains=words) | Q(definition__icontains=words))
        return measures.prefetch_related("targets")

    @extend_schema(parameters=MEASURE_FILTERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def last_modified(self) -> Any:
        if self.action != "retrieve":
            return None
        measure = self.get_object()
        times = [
            measure.values.aggregate(at=Max("computed_at"))["at"],
            measure.narratives.aggregate(at=Max("updated_at"))["at"],
        ]
        known = [moment for moment in times if moment is not None]
        return max(known) if known else None


VALUE_FILTERS = [
    OpenApiParameter(
        "breakdown",
        str,
        description="Values broken down by this field (e.g. council_district); empty: overall.",
    ),
    OpenApiParameter("since", OpenApiTypes.DATE, description="Periods ending on or after."),
    OpenApiParameter("until", OpenApiTypes.DATE, description="Periods starting on or before."),
]


def public_measure(slug: str) -> Measure:
    return get_object_or_404(
        Measure.objects.select_related("department"), slug=slug, is_public=True
    )


def parsed_date(request: Request, name: str) -> str | None:
    raw: str | None = request.query_params.get(name)
    if not raw:
        return None
    try:
        day = parse_date(raw)
    except ValueError:
        day = None
    if day is None:
        raise ValidationError({name: f"{raw!r} is not a date like 2025-07-01."})
    return raw


class MeasurePartViews(PlanApiView):
    """What hangs below one public measure (/api/v1/measures/<slug>/…)."""

    measure: Measure

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.measure = public_measure(kwargs["slug"])
        super().initial(request, *args, **kwargs)

    def list(self, request: Request, slug: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(tags=["measures"])
class MeasureValueViews(MeasurePartViews):
    """A measure's values per period; staff tokens upload values of manual measures."""

    serializer_class = api.ValueSerializer
    write_permission = {"POST": "plan.add_measurevalue"}

    def get_queryset(self) -> QuerySet[MeasureValue]:
        values = MeasureValue.objects.filter(measure=self.measure)
        values = values.filter(breakdown=self.request.query_params.get("breakdown", ""))
        since, until = parsed_date(self.request, "since"), parsed_date(self.request, "until")
        if since:
            values = values.filter(period_end__gte=since)
        if until:
            values = values.filter(period_start__lte=until)
        return values.order_by("period_start", "breakdown_value")

    def last_modified(self) -> Any:
        return self.measure.values.aggregate(at=Max("computed_at"))["at"]

    @extend_schema(parameters=VALUE_FILTERS)
    def list(self, request: Request, slug: str) -> Response:
        return super().list(request, slug)

    @extend_schema(
        request=api.ValueUploadSerializer,
        responses={201: api.ValueSerializer(many=True)},
        description=(
            "Enter values of a manual measure (one without a computation), one per period; "
            "a period that already has a value gets the new one. Needs a write token whose "
            "owner may enter values for the measure's department."
        ),
    )
    def create(self, request: Request, slug: str) -> Response:
        self.check_object_permissions(request, MeasureValue(measure=self.measure))
        upload = api.ValueUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        entries: list[Entry] = []
        problems: list[str] = []
        for number, row in enumerate(upload.validated_data["values"], start=1):
            try:
                entries.append(
                    check_entry(self.measure, row["period"], row["value"], row["source_note"])
                )
            except ManualValueError as error:
                problems.extend(f"values[{number - 1}]: {problem}" for problem in error.problems)
        if problems:
            raise ValidationError({"values": problems})
        save_entries(self.measure, entries)
        saved = MeasureValue.objects.filter(
            measure=self.measure, breakdown="", period__in=[entry.period for entry in entries]
        ).order_by("period_start")
        return Response(self.get_serializer(saved, many=True).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["measures"])
class NarrativeViews(MeasurePartViews):
    """A measure's narratives per period; department staff write their measures' own."""

    serializer_class = api.NarrativeSerializer
    lookup_field = "period"
    write_permission = {"PUT": "plan.change_narrative"}

    def get_queryset(self) -> QuerySet[Narrative]:
        # Only approved narratives are public; drafts are read in the staff workspace.
        return Narrative.objects.approved().filter(measure=self.measure).order_by("-period")

    def last_modified(self) -> Any:
        return self.get_queryset().aggregate(at=Max("updated_at"))["at"]

    def retrieve(self, request: Request, slug: str, period: str) -> Response:
        narrative = get_object_or_404(self.get_queryset(), period=period)
        return Response(self.get_serializer(narrative).data)

    @extend_schema(
        responses={200: api.NarrativeSerializer, 201: api.NarrativeSerializer},
        description="Write the narrative for one period (created if there is none yet).",
    )
    def update(self, request: Request, slug: str, period: str) -> Response:
        self.check_object_permissions(request, Narrative(measure=self.measure))
        try:
            period = narrative_period(self.measure, period)
        except NarrativePeriodError as error:
            raise ValidationError({"period": [str(error)]}) from None
        # Any narrative of the period, approved or not: a PUT makes it a draft again.
        narrative = Narrative.objects.filter(measure=self.measure, period=period).first()
        created = narrative is None
        if narrative is None:
            narrative = Narrative(measure=self.measure, period=period)
        serializer = self.get_serializer(narrative, data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save(author=request.user)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(serializer.data, status=code)


@extend_schema(tags=["measures"])
class TargetViews(MeasurePartViews):
    """A measure's targets per fiscal year; the performance office sets them."""

    serializer_class = api.TargetSerializer
    write_permission = {"PUT": "plan.change_target"}

    def get_queryset(self) -> QuerySet[Target]:
        return Target.objects.filter(measure=self.measure).order_by("fiscal_year")

    @extend_schema(
        responses={200: api.TargetSerializer, 201: api.TargetSerializer},
        description=(
            "Set the target for one fiscal year. Changing an existing target needs "
            "`change_reason`, which its public history shows."
        ),
    )
    def update(self, request: Request, slug: str, fiscal_year: int) -> Response:
        target = self.get_queryset().filter(fiscal_year=fiscal_year).first()
        created = target is None
        if target is None:
            target = Target(measure=self.measure, fiscal_year=fiscal_year)
        self.check_object_permissions(request, target)
        serializer = self.get_serializer(target, data={**request.data, "fiscal_year": fiscal_year})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = data.pop("change_reason", "")
        for name, value in data.items():
            setattr(target, name, value)
        target._change_reason = reason  # type: ignore[attr-defined]
        try:
            with transaction.atomic():
                target.save()
        except TargetChangeError as error:
            raise ValidationError({"change_reason": str(error)}) from None
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(target).data, status=code)
