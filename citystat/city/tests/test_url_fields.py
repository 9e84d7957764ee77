"""URL fields (citystat.lib.fields.URLField) default to https in every form."""

from __future__ import annotations

from django import forms

from citystat.city.models import CityProfile


def test_a_url_typed_without_a_scheme_becomes_https_without_a_warning(recwarn):
    class ProfileForm(forms.ModelForm):
        class Meta:
            model = CityProfile
            fields = ["website"]

    form = ProfileForm(data={"website": "kcmo.gov"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["website"] == "https://kcmo.gov"
    assert not [w for w in recwarn if "default scheme" in str(w.message)]
