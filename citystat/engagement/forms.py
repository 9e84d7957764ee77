"""Public and staff forms; each keeps what the person typed and names the field at fault."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from citystat.city.places import places
from citystat.city.translations import TranslationError, validate_translations
from citystat.engagement.embeds import FilterProblem, clean_filter
from citystat.engagement.intake import question_text_problem
from citystat.engagement.models import (
    QUESTION_MAX_LENGTH,
    Question,
    Subscription,
    Update,
    Watch,
)
from citystat.plan.language_fields import LanguageFields, translation_initial


def area_choices(kind: str, blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *((place.name, place.label) for place in places(kind))]  # type: ignore[arg-type]


def set_choices(field: forms.Field, choices: list[tuple[str, Any]]) -> None:
    field.choices = choices  # type: ignore[attr-defined]


class AskForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        widget=forms.Textarea(attrs={"rows": 6}),
        strip=False,
    )
    name = forms.CharField(
        label=_("Your name (optional, never published)"), required=False, max_length=120
    )
    email = forms.EmailField(
        label=_("Your email (optional, never published)"),
        required=False,
        help_text=_("We write once, when your question is answered."),
    )
    neighborhood = forms.ChoiceField(label=_("Your neighborhood (optional)"), required=False)
    meeting = forms.IntegerField(required=False, widget=forms.HiddenInput)
    goal = forms.IntegerField(required=False, widget=forms.HiddenInput)
    measure = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The intake's own check names the problem (binary, empty, too long) in words a
        # resident understands; Django's null-character validator would pre-empt it.
        self.fields["text"].validators = []
        self.fields["text"].required = False
        # Filled in per request: a % applied at import would freeze it in one language.
        self.fields["text"].help_text = _(
            "Up to %(limit)s characters. Questions are read by a moderator first."
        ) % {"limit": f"{QUESTION_MAX_LENGTH:,}"}
        set_choices(self.fields["neighborhood"], area_choices("neighborhood", _("Not saying")))
        self.fields["text"].widget.attrs["aria-describedby"] = "id_text_helptext"

    def clean_text(self) -> str:
        text = self.cleaned_data.get("text") or ""
        problem = question_text_problem(text)
        if problem:
            raise forms.ValidationError(problem)
        return text


class ModerationForm(forms.Form):
    """One moderator action on one question; which fields count depends on `action`."""

    ACTIONS = ["approve", "reject", "merge", "assign", "answer"]
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    reason = forms.CharField(label=_("Reason for rejecting"), required=False, max_length=300)
    merge_into = forms.IntegerField(label=_("Merge into question number"), required=False)
    meeting = forms.IntegerField(label=_("Meeting"), required=False)
    goal = forms.IntegerField(label=_("Goal"), required=False)
    answer = forms.CharField(label=_("Written answer"), required=False, widget=forms.Textarea)


class AnswerForm(LanguageFields):
    """The written answer residents read, beside it the same answer in each other city
    language (plan/language_fields.py); the resident's question is never translated."""

    TRANSLATED = ("answer",)
    answer = forms.CharField(
        label=_("Answer residents will read"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    @classmethod
    def for_question(cls, question: Question, data: Any = None) -> AnswerForm:
        """Return the form holding `data` as typed, or else the question's stored answer."""
        initial = {"answer": question.answer, **translation_initial(question)}
        return cls(data, initial=initial)


class LiveForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("show", "show"), ("hide", "hide"), ("answered", "answered")]
    )
    recording_time = forms.CharField(
        label=_("Time in the recording (h:mm:ss, optional)"), required=False, max_length=12
    )
    # No max_length or markup check here: moderation.check_live_answer refuses with the
    # reason, and the view gives the text back to be shortened.
    answer = forms.CharField(required=False, strip=False)
    next = forms.CharField(required=False)


# Django's ModelForm takes its type argument only in the stubs: the class cannot be
# subscripted at run time (see catalog/admin.py).
class UpdateForm(LanguageFields, forms.ModelForm):  # type: ignore[type-arg]
    # Title and body in each of the city's languages, side by side (plan/language_fields.py).
    TRANSLATED = ("title", "body")
    # Checkboxes, not a multiple <select>: the staff field template drew a select's
    # options as bare text (each name twice, nothing to tick), so no update ever named a
    # neighborhood and its subscribers got nothing (#21). The form's template adds a
    # search box over the list (static/js/filter-choices.js).
    neighborhoods = forms.MultipleChoiceField(
        label=_("Neighborhoods it concerns"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    districts = forms.MultipleChoiceField(
        label=_("Council districts it concerns"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    filter_text = forms.CharField(
        label=_("Dataset filter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One condition per line as column = value, for example neighborhood = Ivanhoe. "
            "Only the dataset's public columns can be used."
        ),
    )
    publish = forms.BooleanField(label=_("Publish now"), required=False)

    class Meta:
        model = Update
        fields = ["title", "slug", "body", "measure", "goal", "dataset"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["neighborhoods"], area_choices("neighborhood", "")[1:])
        set_choices(self.fields["districts"], area_choices("district", "")[1:])
        if self.instance.pk:
            areas = list(self.instance.areas.values_list("kind", "name"))
            self.initial["neighborhoods"] = [n for k, n in areas if k == "neighborhood"]
            self.initial["districts"] = [n for k, n in areas if k == "district"]
            self.initial["filter_text"] = "\n".join(
                f"{c['field']} = {c['value']}" for c in self.instance.dataset_filter
            )
            self.initial["publish"] = self.instance.published_at is not None
            self.initial.update(translation_initial(self.instance))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            # Set before the model validates itself (its clean_fields checks them again).
            self.instance.translations = validate_translations(
                self.translations(), Update.TRANSLATABLE
            )
        except TranslationError as error:
            self.add_error(None, str(error))
        lines = [line for line in (cleaned.get("filter_text") or "").splitlines() if line.strip()]
        conditions = []
        for line in lines:
            column, separator, value = line.partition("=")
            if not separator:
                self.add_error("filter_text", _("Write each condition as column = value."))
                return cleaned
            conditions.append({"field": column.strip(), "value": value.strip()})
        dataset = cleaned.get("dataset")
        if conditions and dataset is None:
            self.add_error("dataset", _("Choose the dataset the filter applies to."))
            return cleaned
        try:
            cleaned["dataset_filter"] = clean_filter(dataset, conditions) if dataset else []
        except FilterProblem as problem:
            self.add_error("filter_text", str(problem))
        return cleaned


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Your email"))
    subject = forms.ChoiceField(label=_("Send me news about"), choices=Subscription.Subject.choices)
    neighborhood = forms.ChoiceField(label=_("Neighborhood"), required=False)
    district = forms.ChoiceField(label=_("Council district"), required=False)
    goal = forms.ChoiceField(label=_("Goal"), required=False)
    measure = forms.ChoiceField(
        label=_("Measure"),
        required=False,
        help_text=_("We write when a new value comes in or its status changes."),
    )
    delivery = forms.ChoiceField(
        label=_("How often"),
        choices=Subscription.Delivery.choices,
        initial=Subscription.Delivery.DIGEST,
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        goals: list[tuple[str, str]],
        measures: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["neighborhood"], area_choices("neighborhood", _("Choose one")))
        set_choices(self.fields["district"], area_choices("district", _("Choose one")))
        set_choices(self.fields["goal"], [("", _("Choose one")), *goals])
        set_choices(self.fields["measure"], [("", _("Choose one")), *(measures or [])])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        subject = cleaned.get("subject")
        needed = {
            "neighborhood": "neighborhood",
            "district": "district",
            "goal": "goal",
            "measure": "measure",
        }
        field = needed.get(subject or "")
        if field and not cleaned.get(field):
            self.add_error(field, _("Choose which one you want news about."))
        cleaned["subject_key"] = cleaned.get(field, "") if field else ""
        # A form sent without the choice (older pages, the API's callers) gets the digest.
        cleaned["delivery"] = cleaned.get("delivery") or Subscription.Delivery.DIGEST
        return cleaned


class WatchForm(forms.ModelForm):  # type: ignore[type-arg]
    """A dataset's watch; the model's clean() names any field the dataset lacks."""

    place_fields = forms.CharField(
        label=_("Group rows by these place columns"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One column per line, such as neighborhood or council_district. A column whose "
            "name does not say its kind is written as column = neighborhood or "
            "column = district."
        ),
    )
    show_fields = forms.CharField(
        label=_("Columns to show for each row"),
        help_text=_("Separated by commas, such as street_address, reason, planned_date."),
    )

    class Meta:
        model = Watch
        fields = [
            "dataset",
            "rows",
            "place_fields",
            "show_fields",
            "publish_automatically",
            "is_active",
        ]
        labels = {
            "rows": _("Which rows"),
            "publish_automatically": _("Publish each drafted update at once"),
            "is_active": _("Active"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds: dict[str, str] = {}
        watch = self.instance
        if watch.pk:
            self.initial["place_fields"] = "\n".join(
                f"{name} = {watch.place_kinds[name]}" if name in watch.place_kinds else name
                for name in watch.place_fields
            )
            self.initial["show_fields"] = ", ".join(watch.show_fields)

    def clean_place_fields(self) -> list[str]:
        names = []
        for line in (self.cleaned_data.get("place_fields") or "").splitlines():
            name, separator, kind = (part.strip() for part in line.partition("="))
            if not name:
                continue
            if separator and kind not in ("neighborhood", "district"):
                raise forms.ValidationError(
                    _("%(line)s: the kind after = is neighborhood or district.")
                    % {"line": line.strip()}
                )
            if separator:
                self.kinds[name] = kind
            names.append(name)
        return names

    def clean_show_fields(self) -> list[str]:
        text = self.cleaned_data.get("show_fields") or ""
        return [name.strip() for name in text.replace("\n", ",").split(",") if name.strip()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The model's clean() reads these when Django validates the instance next.
        self.instance.place_kinds = self.kinds
        return cleaned


def question_label(question: Question) -> str:
    return f"#{question.pk}: {question.text[:80]}"
