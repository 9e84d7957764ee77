import pytest
from django.template import Context, Template
from django.utils import translation

from citystat.plan.templatetags.plan_periods import period_name


@pytest.mark.parametrize(
    ("label", "english", "spanish"),
    [
        ("2025-03", "March 2025", "marzo de 2025"),
        ("2025-Q1", "Q1 2025", "trimestre 1 de 2025"),
        ("FY2026", "FY2026", "año fiscal 2026"),
        ("2024", "2024", "2024"),
        ("2018-01-03", "Jan. 3, 2018", "3 de enero de 2018"),
        ("2019-W01", "week of Dec. 31, 2018", "semana del 31 de diciembre de 2018"),
    ],
)
def test_a_period_reads_as_residents_say_it_in_their_language(label, english, spanish):
    with translation.override("en"):
        assert period_name(label) == english
    with translation.override("es"):
        assert period_name(label) == spanish


@pytest.mark.parametrize("label", ["2025-13", "next year", "", None])
def test_what_is_not_a_period_label_is_shown_as_it_came(label):
    assert period_name(label) == str(label)


def test_templates_use_it_as_a_filter():
    template = Template("{% load plan_periods %}{{ period|period_name }}")
    with translation.override("es"):
        assert template.render(Context({"period": "2026-10"})) == "octubre de 2026"
