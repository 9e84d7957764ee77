"""The survey statistics read through the engine (Ibis) equal the f-string SQL they
replace, to the last digit, on the whole demo city: a check kept while both exist."""

from __future__ import annotations

import dataclasses
import math

import pytest

from citystat.demo.build import build_demo_city
from citystat.surveys import budget, employee, evidence, focus, ratings, waves
from citystat.surveys.models import ServiceProfile, Survey
from citystat.surveys.tests.legacy_sql import budget as old_budget
from citystat.surveys.tests.legacy_sql import employee as old_employee
from citystat.surveys.tests.legacy_sql import evidence as old_evidence
from citystat.surveys.tests.legacy_sql import focus as old_focus
from citystat.surveys.tests.legacy_sql import ratings as old_ratings
from citystat.surveys.tests.legacy_sql import waves as old_waves


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    build_demo_city(rows=20_000, seed=5)


def plain(value):
    """Compare dataclasses field by field (a lazy label compares by its text)."""
    if dataclasses.is_dataclass(value):
        return {"class": type(value).__name__} | {
            f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "_proxy____cast"):
        return str(value)
    return value


def close(new, old) -> bool:
    """Equal, but a float may differ in its last bits (a sum taken in another order)."""
    if isinstance(new, float) and isinstance(old, float):
        return math.isclose(new, old, rel_tol=1e-12, abs_tol=0)
    if isinstance(new, dict) and isinstance(old, dict):
        return new.keys() == old.keys() and all(close(new[k], old[k]) for k in new)
    if isinstance(new, list) and isinstance(old, list):
        return len(new) == len(old) and all(close(a, b) for a, b in zip(new, old, strict=True))
    return bool(new == old)


def test_every_survey_statistic_equals_the_sql_it_replaces(demo):
    resident = Survey.objects.get(kind="resident").layout()
    staff = Survey.objects.get(kind="employee").layout()
    assert waves.wave_dates(resident) == old_waves.wave_dates(resident)
    assert waves.wave_dates(staff) == old_waves.wave_dates(staff)
    every_wave = ratings.waves(resident)
    assert len(every_wave) >= 3
    for by, wave in ((None, None), (resident.district, None), (resident.district, every_wave[-1])):
        for name in ("satisfaction", "importance", "priorities"):
            new = getattr(ratings, name)(resident, by, wave)
            old = getattr(old_ratings, name)(resident, by, wave)
            if name == "satisfaction":
                assert new and plain(new) == plain(old)
            else:
                # The old SQL summed the weights of those naming an item over a hash join,
                # in no fixed order; the sum now runs in the file's order.
                assert new and close(plain(new), plain(old))
    first, last = every_wave[0], every_wave[-1]
    assert close(
        plain(ratings.changes(resident, first, last)),
        plain(old_ratings.changes(resident, first, last)),
    )
    assert plain(employee.engagement(staff)) == plain(old_employee.engagement(staff))
    staff_waves = waves.order_waves(waves.wave_dates(staff))
    assert plain(employee.engagement(staff, staff_waves[-1])) == plain(
        old_employee.engagement(staff, staff_waves[-1])
    )
    codes = [item.code for item in resident.items]
    for wave in every_wave[:2]:
        new_matrix, new_weights = focus.satisfied_matrix(resident, wave, codes)
        old_matrix, old_weights = old_focus.satisfied_matrix(resident, wave, codes)
        assert new_matrix.tobytes() == old_matrix.tobytes()
        assert new_weights.tobytes() == old_weights.tobytes()
    years = budget.budget_years()
    assert years == old_budget.budget_years() and years
    for year in years:
        assert plain(budget.budget_lines(year)) == plain(old_budget.budget_lines(year))
    profiles = list(ServiceProfile.objects.all())
    assert profiles
    for service in profiles:
        arguments = (
            service.definition,
            service.resident_survey.layout() if service.resident_survey else None,
            service.employee_survey.layout() if service.employee_survey else None,
        )
        new, old = evidence.service_evidence(*arguments), old_evidence.service_evidence(*arguments)
        assert close(plain(new.importance), plain(old.importance))
        new.importance = old.importance = []
        assert plain(new) == plain(old)
