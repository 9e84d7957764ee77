from django import forms

from citystat.plan.models import Narrative, NarrativePeriodError, Target, narrative_period


class ValueForm(forms.Form):
    period = forms.CharField(
        max_length=10, help_text="2025-03-04, 2025-W10, 2025-03, 2025-Q1, FY2025 or 2025."
    )
    value = forms.FloatField()
    source_note = forms.CharField(max_length=300, help_text="Where the number comes from.")


class ValuesUploadForm(forms.Form):
    file = forms.FileField(help_text="A CSV with the columns period, value, source_note.")


class NarrativeForm(forms.ModelForm):
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


class TargetForm(forms.ModelForm):
    reason = forms.CharField(
        max_length=300, help_text="Why the target changes; shown with its history in public."
    )

    class Meta:
        model = Target
        fields = ["fiscal_year", "value", "style", "tolerance", "off_track_at", "note"]
