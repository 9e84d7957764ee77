from django import forms

from citystat.plan.models import Narrative, Target


class ValueForm(forms.Form):
    period = forms.CharField(max_length=10, help_text="2025-03, 2025-Q1, FY2025 or 2025.")
    value = forms.FloatField()
    source_note = forms.CharField(max_length=300, help_text="Where the number comes from.")


class ValuesUploadForm(forms.Form):
    file = forms.FileField(help_text="A CSV with the columns period, value, source_note.")


class NarrativeForm(forms.ModelForm):
    class Meta:
        model = Narrative
        fields = ["period", "context", "actions", "next_steps"]


class TargetForm(forms.ModelForm):
    reason = forms.CharField(
        max_length=300, help_text="Why the target changes; shown with its history in public."
    )

    class Meta:
        model = Target
        fields = ["fiscal_year", "value", "style", "tolerance", "off_track_at", "note"]
