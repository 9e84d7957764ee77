from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from citystat.city.models import Department
from citystat.plan.language_fields import LanguageFields
from citystat.plan.models import (
    NARRATIVE_TEXT,
    Measure,
    Narrative,
    NarrativePeriodError,
    Target,
    goal_narrative_period,
    narrative_period,
)


class OwnIds:
    """The measure page shows several forms with fields of the same name ("period",
    "value"): each form's element ids start with its own prefix, so every label points at
    its own field and no id repeats."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ValueForm(OwnIds, forms.Form):
    id_prefix = "value"
    period = forms.CharField(
        max_length=10, help_text="2025-03-04, 2025-W10, 2025-03, 2025-Q1, FY2025 or 2025."
    )
    value = forms.FloatField()
    source_note = forms.CharField(max_length=300, help_text="Where the number comes from.")


class ValuesUploadForm(OwnIds, forms.Form):
    id_prefix = "upload"
    file = forms.FileField(help_text="A CSV with the columns period, value, source_note.")


# ModelForm takes its model as a type argument only in the stubs (see catalog/admin.py).
class NarrativeForm(OwnIds, LanguageFields, forms.ModelForm):  # type: ignore[type-arg]
    id_prefix = "narrative"
    TRANSLATED = NARRATIVE_TEXT
    # Longer than the stored label, so a wrong one is refused with the form it should take.
    period = forms.CharField(max_length=40, help_text="2026-10, 2026-Q1, FY2026 or 2026.")

    class Meta:
        model = Narrative
        fields = ["period", "context", "actions", "next_steps"]

    def clean_period(self) -> str:
        try:
            return narrative_period(self.instance.measure, self.cleaned_data["period"])
        except NarrativePeriodError as error:
            raise forms.ValidationError(str(error)) from None


class TargetForm(OwnIds, forms.ModelForm):  # type: ignore[type-arg]
    id_prefix = "target"
    reason = forms.CharField(
        max_length=300,
        help_text="Why the target changes; shown with its history in public.",
        error_messages={
            "required": "Give the reason for this target: it is shown with the target's "
            "history. Nothing was saved; everything else you typed is kept."
        },
    )

    class Meta:
        model = Target
        fields = ["fiscal_year", "value", "style", "tolerance", "off_track_at", "note"]


def target_form_for(measure: Measure, fiscal_year: int) -> TargetForm:
    """Return the target form filled with what is in force for `fiscal_year`: that year's
    target, else the newest earlier one carried forward (its value, style and tolerance)."""
    existing = Target.objects.filter(measure=measure, fiscal_year=fiscal_year).first()
    if existing is not None:
        return TargetForm(instance=existing)
    earlier = measure.targets.filter(fiscal_year__lt=fiscal_year).order_by("-fiscal_year").first()
    initial: dict[str, object] = {"fiscal_year": fiscal_year}
    if earlier is not None:
        initial |= {
            "value": earlier.value,
            "style": earlier.style,
            "tolerance": earlier.tolerance,
            "off_track_at": earlier.off_track_at,
        }
    return TargetForm(initial=initial, instance=Target(measure=measure))


class GoalNarrativeForm(LanguageFields):
    """A goal's narrative: the same sections as a measure's (plan/goal_narratives.py)."""

    TRANSLATED = NARRATIVE_TEXT

    period = forms.CharField(
        label=_("Period"), max_length=40, help_text=_("2026-10, 2026-Q1, FY2026 or 2026.")
    )
    context = forms.CharField(
        label=_("Context"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What drove the goal's results in the period."),
    )
    actions = forms.CharField(
        label=_("What the city is doing"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    next_steps = forms.CharField(
        label=_("Next steps"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean_period(self) -> str:
        try:
            return goal_narrative_period(self.cleaned_data["period"])
        except NarrativePeriodError:
            raise forms.ValidationError(
                _("%(period)s is not a period: write it as 2026-10, 2026-Q1, FY2026 or 2026.")
                % {"period": self.cleaned_data["period"]}
            ) from None


class BulkChangeForm(forms.Form):
    """One change for every measure selected on the staff measure list (plan/bulk.py)."""

    field = forms.ChoiceField(
        label=_("What to change"),
        choices=[
            ("owner", _("Owner")),
            ("department", _("Department")),
            ("frequency", _("Frequency")),
            ("public", _("Public or internal")),
        ],
    )
    owner = forms.CharField(
        label=_("New owner"), max_length=120, required=False, help_text=_("Empty clears it.")
    )
    department = forms.ChoiceField(label=_("New department"), required=False)
    frequency = forms.ChoiceField(
        label=_("New frequency"), required=False, choices=[("", "—"), *Measure.Frequency.choices]
    )
    public = forms.ChoiceField(
        label=_("Public or internal"),
        required=False,
        choices=[("", "—"), ("yes", _("Public")), ("no", _("Internal only"))],
    )
    reason = forms.CharField(
        label=_("Why"),
        # simple_history keeps a change reason in 100 characters.
        max_length=100,
        help_text=_("Kept with the change in each measure's history."),
        error_messages={
            "required": _(
                "Say why: the reason is kept in each measure's history. Nothing was changed."
            )
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = Department.objects.order_by("name").values_list("name", flat=True)
        choice = cast(forms.ChoiceField, self.fields["department"])
        choice.choices = [("", _("No department")), *((name, name) for name in names)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        field = data.get("field")
        if field in ("frequency", "public") and not data.get(field):
            self.add_error(field, _("Choose the new value."))
        return data

    def value(self) -> str | bool:
        """Return the value the chosen field is set to."""
        field = self.cleaned_data["field"]
        if field == "public":
            return bool(self.cleaned_data["public"] == "yes")
        return str(self.cleaned_data[field]).strip()


class ValuesTableForm(forms.Form):
    """A CSV of measure,period,value[,source_note]: `citystat values import`'s format."""

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Columns measure, period, value and source_note; one line per value."),
    )
    source_note = forms.CharField(
        label=_("Source note"),
        max_length=300,
        required=False,
        help_text=_("Where the values come from, for lines without a source_note."),
    )
