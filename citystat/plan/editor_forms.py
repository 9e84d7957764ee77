"""Forms of the plan editor and the measure builder (plan/editor.py, plan/builder.py).

Each form's fields are keys of the plan file (docs/plan.md); the plan's own checker
validates them, so these forms only shape the input and carry the reason and version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from citystat.catalog.models import Dataset
from citystat.city.models import Department
from citystat.lib.periods import GRAINS
from citystat.plan.builder import FILTER_OPERATORS, schema_fields
from citystat.plan.compute.spec import AGGREGATES, DATE_TYPES, NUMERIC_TYPES
from citystat.plan.language_fields import LanguageFields, translated_name, translation_initial
from citystat.plan.models import Measure, Strategy

# simple_history keeps a change reason in 100 characters.
REASON_LENGTH = 100


class EditForm(LanguageFields):
    """The reason every change is recorded with, and the version the form was opened at."""

    reason = forms.CharField(
        label=_("Why"),
        max_length=REASON_LENGTH,
        help_text=_("Kept with the change in the plan's history."),
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    # The plan file's key each field is written to, where the names differ.
    KEYS: dict[str, str] = {}
    # The fields written in each of the city's languages: beside each, one input per
    # other language (plan/language_fields.py), written as the plan file's `translations:`.
    TRANSLATED: tuple[str, ...] = ()

    def document_changes(self) -> dict[str, Any]:
        """Return the cleaned fields as plan-file keys and values (None: remove the key)."""
        changes = {}
        for name, value in self.cleaned_data.items():
            if name in ("reason", "version") or self.is_translation(name):
                continue
            changes[self.KEYS.get(name, name)] = value
        if self.TRANSLATED:
            changes["translations"] = self.translations() or None
        return changes

    def add_document_errors(self, errors: dict[str, list[str]]) -> list[str]:
        """Put each plan-file problem beside its field; return those that fit none."""
        fields = {self.KEYS.get(name, name): name for name in self.fields}
        rest = []
        for key, messages in errors.items():
            parts = key.split(".")
            # translations.es.title: beside the Spanish title.
            beside = translated_name(parts[2], parts[1]) if len(parts) > 2 else ""
            if parts[0] == "translations" and beside in self.fields:
                fields.setdefault(key, beside)
            name = fields.get(key) or fields.get(parts[0])
            if name is None:
                rest += [f"{key}: {message}" for message in messages]
            else:
                for message in messages:
                    self.add_error(name, message)
        return rest


class AreaForm(EditForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea, required=False)
    TRANSLATED = ("title", "summary")


class GoalForm(EditForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea, required=False)
    TRANSLATED = ("title", "summary")


class ObjectiveForm(EditForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    TRANSLATED = ("title",)


def choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def department_choices() -> list[tuple[str, str]]:
    names = Department.objects.order_by("name").values_list("name", flat=True)
    return [("", "—")] + [(name, name) for name in names]


class StrategyForm(EditForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    progress = forms.ChoiceField(label=_("Progress"), choices=Strategy.Progress.choices)
    department = forms.ChoiceField(label=_("Department"), required=False)
    measures = forms.MultipleChoiceField(
        label=_("Measures it moves"), required=False, widget=forms.CheckboxSelectMultiple
    )
    TRANSLATED = ("title", "description")

    def __init__(self, *args: Any, measures: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "department").choices = department_choices()
        choice_field(self, "measures").choices = list(measures)


class MeasureForm(EditForm):
    """What a measure is; how it is computed is the BuilderForm's."""

    title = forms.CharField(label=_("Title"), max_length=300)
    slug = forms.SlugField(
        label=_("Short name in addresses"),
        max_length=80,
        required=False,
        help_text=_("Made from the title when left empty; it cannot change later."),
    )
    definition = forms.CharField(label=_("Definition"), widget=forms.Textarea)
    unit = forms.ChoiceField(label=_("Unit"), choices=Measure.Unit.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=Measure.Direction.choices)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Measure.Frequency.choices)
    department = forms.ChoiceField(label=_("Department"), required=False)
    owner = forms.CharField(label=_("Owner"), max_length=120, required=False)
    data_source = forms.CharField(
        label=_("Where typed-in values come from"), max_length=300, required=False
    )
    baseline_value = forms.FloatField(label=_("Baseline value"), required=False)
    baseline_label = forms.CharField(
        label=_("Baseline period"), max_length=40, required=False, help_text=_("Such as FY2024.")
    )
    public = forms.BooleanField(label=_("Public"), required=False)
    headline = forms.BooleanField(label=_("Headline measure"), required=False)
    KEYS = {"baseline_value": "baseline", "baseline_label": "baseline"}
    TRANSLATED = ("title", "definition", "data_source")

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "department").choices = department_choices()
        if not creating:
            del self.fields["slug"]

    def document_changes(self) -> dict[str, Any]:
        changes = super().document_changes()
        value, label = self.cleaned_data["baseline_value"], self.cleaned_data["baseline_label"]
        changes["baseline"] = {
            key: given
            for key, given in (("value", value), ("label", label))
            if given not in (None, "")
        }
        # The plan file writes only the exceptions: public is the default, headline is not.
        changes["public"] = None if self.cleaned_data["public"] else False
        changes["headline"] = True if self.cleaned_data["headline"] else None
        return changes


def measure_initial(measure: Measure) -> dict[str, Any]:
    return {
        "title": measure.title,
        "definition": measure.definition,
        "unit": measure.unit,
        "direction": measure.direction,
        "frequency": measure.frequency,
        "department": measure.department.name if measure.department else "",
        "owner": measure.owner_name,
        "data_source": measure.data_source,
        "baseline_value": measure.baseline_value,
        "baseline_label": measure.baseline_label,
        "public": measure.is_public,
        "headline": measure.is_headline,
        **translation_initial(measure),
    }


class BuilderForm(forms.Form):
    """The measure builder's pickers; choices follow the chosen dataset's schema.

    The pickers are plain text underneath (a select offers the schema's names), so a
    name the schema lacks reaches the spec checker, which says so in the plan file's words.
    """

    dataset = forms.ChoiceField(label=_("Dataset"), required=False)
    date = forms.CharField(label=_("Date field"), required=False)
    filter = forms.CharField(
        label=_("Filter"),
        required=False,
        help_text=_("Which rows count, such as category = 'Pothole'. Build it below or type it."),
    )
    filter_field = forms.CharField(label=_("Field"), required=False)
    filter_operator = forms.ChoiceField(
        label=_("Comparison"),
        required=False,
        choices=[(op, op) for op in FILTER_OPERATORS],
    )
    filter_value = forms.CharField(label=_("Value"), required=False)
    aggregate = forms.ChoiceField(
        label=_("Aggregate"), required=False, choices=[(a, a) for a in AGGREGATES]
    )
    field = forms.CharField(label=_("Field aggregated"), required=False)
    percentile = forms.CharField(label=_("Percentile"), required=False)
    condition = forms.CharField(
        label=_("Condition"),
        required=False,
        help_text=_("For a share: which of the rows count as meeting it."),
    )
    closed = forms.CharField(label=_("Closed date field"), required=False)
    grain = forms.ChoiceField(label=_("Grain"), choices=[(g, g) for g in GRAINS])
    cumulative = forms.BooleanField(label=_("Fiscal year to date"), required=False)
    breakdowns = forms.MultipleChoiceField(
        label=_("Breakdowns"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, values: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        datasets = Dataset.objects.order_by("title").values_list("slug", "title")
        choice_field(self, "dataset").choices = [("", _("None: staff type the values in"))] + [
            (slug, f"{title} ({slug})") for slug, title in datasets
        ]
        chosen = self.data.get("dataset") if self.is_bound else self.initial.get("dataset")
        self.chosen_dataset = Dataset.objects.filter(slug=chosen).first() if chosen else None
        fields = schema_fields(self.chosen_dataset)
        names = [str(f["name"]) for f in fields]

        def picker(name: str, offered: list[str]) -> None:
            current = (self.data.get(name) if self.is_bound else self.initial.get(name)) or ""
            options = [("", "—")] + [(n, n) for n in offered]
            if current and current not in offered:
                options.append((current, current))  # kept, so the checker can name it
            self.fields[name].widget = forms.Select(choices=options)

        picker(
            "date", [str(f["name"]) for f in fields if f.get("type") in DATE_TYPES | NUMERIC_TYPES]
        )
        picker("closed", [str(f["name"]) for f in fields if f.get("type") in DATE_TYPES])
        picker("field", names)
        picker("filter_field", names)
        choice_field(self, "breakdowns").choices = [(n, n) for n in names]
        if values:
            self.fields["filter_value"].widget = forms.Select(
                choices=[("", "—")] + [(value, value) for value in values]
            )

    def picks(self) -> dict[str, Any]:
        """Return the pickers' values as given (not validated: the spec checker does that)."""
        data = self.data if self.is_bound else self.initial
        picks: dict[str, Any] = {key: data.get(key, "") for key in self.fields}
        if self.is_bound:
            listed = getattr(data, "getlist", None)
            picks["breakdowns"] = listed("breakdowns") if listed else data.get("breakdowns", [])
            picks["cumulative"] = bool(data.get("cumulative"))
        return picks
