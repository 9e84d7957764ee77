"""Staff forms. Errors and help are tied to their fields for screen readers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.models import User

from citystat.accounts.models import ApiToken, AuditEntry
from citystat.accounts.permissions import Role
from citystat.city.models import Department


class AccessibleForm(forms.Form):
    """Point each input at its help and error text (aria-describedby, aria-invalid)."""

    def full_clean(self) -> None:
        super().full_clean()
        for name, field in self.fields.items():
            bound = self[name]
            described = []
            if field.help_text:
                described.append(f"{bound.auto_id}_helptext")
            if self.errors.get(name):
                described.append(f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)


class SignInForm(AccessibleForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(AccessibleForm):
    token = forms.RegexField(
        label="Six-digit code",
        regex=r"^\s*\d{6}\s*$",
        help_text="The code your authenticator app shows now.",
        error_messages={"invalid": "Enter the six digits your authenticator app shows."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class InvitationForm(AccessibleForm):
    email = forms.EmailField(label="Email address")
    roles = forms.MultipleChoiceField(
        label="Roles", choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    departments = forms.ModelMultipleChoiceField(
        label="Departments",
        queryset=Department.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Department editors may change only these departments' measures.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if Role.DEPARTMENT_EDITOR in data.get("roles", []) and not data.get("departments"):
            self.add_error("departments", "Choose at least one department for a department editor.")
        return data


class AcceptInvitationForm(AccessibleForm):
    username = forms.RegexField(
        label="Username",
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text="Letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        help_text="At least 12 characters, not a common password, not all digits.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken; choose another.")
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            candidate = User(username=data.get("username", ""), email=self.email)
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class AuditSearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    action = forms.ChoiceField(label="Action", required=False, choices=[("", "Any")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [("", "Any"), *AuditEntry.Action.choices]


class ApiTokenForm(AccessibleForm):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What will use the token, so you recognise it later (e.g. 'Water dashboard').",
    )
    scope = forms.ChoiceField(
        label="What it may do",
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
    )
    days = forms.IntegerField(
        label="Expires after (days)",
        min_value=1,
        max_value=730,
        required=False,
        help_text="Leave empty for a token that lasts until revoked. At most 730 days.",
    )
