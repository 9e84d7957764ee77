from django import forms

from citystat.plan.models import (
    Measure,
    Narrative,
    NarrativePeriodError,
    Target,
    narrative_period,
)


class OwnIds:
    """The measure page shows several forms with fields of the same name ("period",
    "value"): each form's element ids start with its own prefix, so every label points at
    its own field and no id repeats."""

    id_prefix = ""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
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


class NarrativeForm(OwnIds, forms.ModelForm):
    id_prefix = "narrative"
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


class TargetForm(OwnIds, forms.ModelForm):
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
