"""Typed-in values at scale: in the plan file (exact round trip), from one CSV for many
measures (`citystat values import`, all or nothing), fractions given for percentages, and
a target history that starts when the plan was adopted."""

from __future__ import annotations

import copy
import datetime as dt
import io
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import translation

from citystat.accounts.models import AuditEntry
from citystat.plan.documents import PlanDocumentError, dump_plan, export_plan, load_plan
from citystat.plan.history import describe, target_history
from citystat.plan.models import Measure, MeasureValue

pytestmark = pytest.mark.usefixtures("kansas_city")  # fiscal years start on 1 May

SCORECARD = {
    "title": "Scorecard",
    "slug": "scorecard",
    "fiscal_years": [2018, 2022],
    "priority_areas": [
        {
            "title": "Services",
            "slug": "services",
            "goals": [
                {
                    "title": "Happy residents",
                    "slug": "happy",
                    "objectives": [
                        {
                            "title": "Ask them",
                            "measures": [
                                {
                                    "title": "Satisfied residents",
                                    "slug": "satisfied",
                                    "definition": "Share satisfied with city services.",
                                    "unit": "percent",
                                    "direction": "higher",
                                    "frequency": "fiscal_year",
                                    "data_source": "Resident survey",
                                    "source_note": "Resident survey report",
                                    "values": {
                                        "FY2019": 93.0,
                                        "FY2020": {
                                            "value": 91.5,
                                            "source_note": "Survey report, corrected 2021",
                                        },
                                        "FY2021": 94.25,
                                    },
                                    "targets": {2018: {"value": 90, "tolerance": 2}},
                                },
                                {
                                    "title": "Permits issued",
                                    "slug": "permits",
                                    "definition": "Building permits issued.",
                                    "unit": "count",
                                    "direction": "higher",
                                    "frequency": "month",
                                    "data_source": "Permit office ledger",
                                    "targets": {2018: {"value": 100}},
                                },
                            ],
                        }
                    ],
                }
            ],
        }
    ],
}


def overall(slug: str) -> dict[str, tuple[float | None, str, str, str]]:
    return {
        value.period: (
            value.value,
            value.source_note,
            value.period_start.isoformat(),
            value.period_end.isoformat(),
        )
        for value in MeasureValue.objects.filter(measure__slug=slug, breakdown="")
    }


def measure_in(document: dict[str, Any], slug: str) -> dict[str, Any]:
    measures = document["priority_areas"][0]["goals"][0]["objectives"][0]["measures"]
    return next(measure for measure in measures if measure["slug"] == slug)


def test_values_in_the_plan_file_are_stored_for_their_fiscal_years(db):
    load_plan(SCORECARD, "scorecard.yaml")
    # Fiscal years start on 1 May and are named by the year they end in.
    assert overall("satisfied") == {
        "FY2019": (93.0, "Resident survey report", "2018-05-01", "2019-04-30"),
        "FY2020": (91.5, "Survey report, corrected 2021", "2019-05-01", "2020-04-30"),
        "FY2021": (94.25, "Resident survey report", "2020-05-01", "2021-04-30"),
    }
    assert set(MeasureValue.objects.values_list("origin", flat=True)) == {"entered"}


def test_values_round_trip_through_export_and_import_exactly(db):
    plan = load_plan(SCORECARD, "scorecard.yaml")
    exported = export_plan(plan)
    satisfied = measure_in(exported, "satisfied")
    assert satisfied["source_note"] == "Resident survey report"
    assert satisfied["values"] == measure_in(SCORECARD, "satisfied")["values"]
    text = dump_plan(plan)
    audited = AuditEntry.objects.count()
    load_plan(yaml.safe_load(text), "again.yaml")
    assert dump_plan(plan) == text
    assert AuditEntry.objects.count() == audited  # nothing changed, so nothing logged


def test_a_changed_value_in_the_plan_file_is_stored_and_audited(db):
    load_plan(SCORECARD, "scorecard.yaml")
    changed = copy.deepcopy(SCORECARD)
    measure_in(changed, "satisfied")["values"]["FY2021"] = 95.0
    before = AuditEntry.objects.count()
    load_plan(changed, "changed.yaml")
    assert overall("satisfied")["FY2021"][0] == 95.0
    entry = AuditEntry.objects.filter(object_type="plan.measurevalue").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.changes["value"] == [94.25, 95.0]


def test_bad_values_in_the_plan_file_are_named_and_nothing_is_written(db):
    broken = copy.deepcopy(SCORECARD)
    satisfied = measure_in(broken, "satisfied")
    satisfied["values"] = {"2019-03": 90, "FY2020": "lots", "FY2021": float("nan")}
    measure_in(broken, "permits")["values"] = {"2019-01": 12}  # no source note anywhere
    with pytest.raises(PlanDocumentError) as raised:
        load_plan(broken, "broken.yaml")
    where = "priority_areas[0].goals[0].objectives[0].measures"
    assert raised.value.problems == [
        f"{where}[0].values.2019-03: the measure is reported by fiscal year; '2019-03' is a month.",
        f"{where}[0].values.FY2020: 'lots' is not a number.",
        f"{where}[0].values.FY2021: nan is not a number a measure can take.",
        f"{where}[1].values.2019-01: say where the value comes from: add a source_note.",
    ]
    assert not Measure.objects.exists() and not MeasureValue.objects.exists()


def test_the_first_target_entry_says_it_was_set_when_the_plan_was_adopted(db):
    load_plan(SCORECARD, "scorecard.yaml")
    measure = Measure.objects.get(slug="satisfied")
    assert describe(target_history(measure)[0], measure.unit) == (
        "FY2018 target set at 90.0% when the plan was adopted (FY2018)."
    )
    with translation.override("es"):
        assert describe(target_history(measure)[0], measure.unit) == (
            "Valor meta del año fiscal 2018 fijado en 90,0\u00a0% cuando se adoptó el plan "
            "(año fiscal 2018)."
        )
    # A target added by a later import of the same plan is dated as before.
    later = copy.deepcopy(SCORECARD)
    measure_in(later, "satisfied")["targets"][2022] = {"value": 95}
    load_plan(later, "later.yaml")
    added = [change for change in target_history(measure) if change.fiscal_year == 2022]
    assert describe(added[0], measure.unit).startswith("FY2022 target set at 95.0% on ")


def run_import(path, *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("values", "import", str(path), *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_values_import_stores_many_measures_from_one_file(db, tmp_path):
    load_plan(SCORECARD, "scorecard.yaml")
    path = tmp_path / "results.csv"
    path.write_text(
        "Measure,Period,Value,Source_Note\n"
        "satisfied,FY2022,96.5,Survey 2022\n"
        "permits,2019-01,12,\n"
        'permits,2019-02,"1,204",Ledger page 4\n'
        "satisfied,FY2019,92,Survey 2019 restated\n",
        encoding="utf-8",
    )
    out, err = run_import(path, "--source-note", "Permit office ledger")
    assert out.strip() == f"{path}: 4 values saved for 2 measures."
    assert err == ""
    assert overall("permits") == {
        "2019-01": (12.0, "Permit office ledger", "2019-01-01", "2019-01-31"),
        "2019-02": (1204.0, "Ledger page 4", "2019-02-01", "2019-02-28"),
    }
    satisfied = overall("satisfied")
    assert satisfied["FY2022"] == (96.5, "Survey 2022", "2021-05-01", "2022-04-30")
    assert satisfied["FY2019"][:2] == (92.0, "Survey 2019 restated")
    assert satisfied["FY2020"][0] == 91.5  # untouched


def test_values_import_checks_every_line_first_and_saves_nothing_on_an_error(db, tmp_path):
    load_plan(SCORECARD, "scorecard.yaml")
    before = list(MeasureValue.objects.order_by("pk").values_list("period", "value"))
    path = tmp_path / "results.csv"
    path.write_text(
        "measure,period,value,source_note\n"
        "satisfied,FY2022,96.5,ok\n"
        "satisfid,FY2022,96.5,ok\n"
        "permits,FY2019,12,ok\n"
        "permits,2019-02,twelve,ok\n"
        "permits,2019-13,12,ok\n"
        "satisfied,FY2022,97,ok again\n"
        "permits,2019-03,12,\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as raised:
        run_import(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: 6 problems; nothing was saved.")
    lines = message.splitlines()[1:]
    assert lines == [
        "  line 3: no measure 'satisfid' — did you mean 'satisfied'?",
        "  line 4 (permits): permits is reported by month; 'FY2019' is a fiscal year.",
        "  line 5 (permits): 'twelve' is not a number.",
        "  line 6 (permits): '2019-13': there is no month 13.",
        "  line 7: satisfied FY2022 is also on line 2.",
        "  line 8 (permits): say where the value comes from (a source note).",
    ]
    assert list(MeasureValue.objects.order_by("pk").values_list("period", "value")) == before


def test_values_import_refuses_a_file_without_the_columns(db, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("slug,year,amount\nsatisfied,FY2022,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing measure, period, value"):
        run_import(path)


def test_percentages_given_as_fractions_are_named_in_a_warning(db, tmp_path):
    load_plan(SCORECARD, "scorecard.yaml")
    path = tmp_path / "results.csv"
    path.write_text(
        "measure,period,value,source_note\n"
        "satisfied,FY2019,0.93,survey\nsatisfied,FY2020,0.915,survey\n"
        "satisfied,FY2021,0.9425,survey\n"
        "permits,2019-01,1,ledger\n",  # a count: never a fraction
        encoding="utf-8",
    )
    out, err = run_import(path)
    assert "4 values saved" in out
    assert err.count("warning:") == 1
    assert "satisfied is a percent measure with targets such as 90" in err
    assert "0.93 for 93%" in err


def test_the_plan_import_warns_of_fractions_too(db, tmp_path):
    fractions = copy.deepcopy(SCORECARD)
    measure_in(fractions, "satisfied")["values"] = {"FY2019": 0.93, "FY2020": 0.9}
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(fractions), encoding="utf-8")
    err = io.StringIO()
    call_command("plan", "import", str(path), stdout=io.StringIO(), stderr=err)
    assert "warning: satisfied is a percent measure" in err.getvalue()


def test_printing_a_measures_values_works_as_before(db):
    load_plan(SCORECARD, "scorecard.yaml")
    out = io.StringIO()
    call_command("values", "satisfied", "--csv", stdout=out)
    rows = out.getvalue().splitlines()
    assert rows[0].startswith("period,period_start,period_end,breakdown,breakdown_value,value")
    assert rows[1].startswith("FY2019,") and ",93.0," in rows[1]
    with pytest.raises(CommandError, match="import with `citystat values import FILE.csv`"):
        call_command("values", "satisfied", "extra.csv", stdout=io.StringIO())


def test_a_plan_as_of_day_round_trips_and_a_bad_one_is_refused(db):
    dated = {**SCORECARD, "as_of": dt.date(2021, 4, 30)}
    plan = load_plan(dated, "dated.yaml")
    assert plan.as_of == dt.date(2021, 4, 30)
    assert export_plan(plan)["as_of"] == dt.date(2021, 4, 30)
    assert "as_of: 2021-04-30" in dump_plan(plan)
    with pytest.raises(PlanDocumentError, match="as_of: '30/04/2021' is not a day"):
        load_plan({**SCORECARD, "as_of": "30/04/2021"}, "bad.yaml")
