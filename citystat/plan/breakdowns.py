"""The words residents read for a measure's breakdown field ("council_district")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Fields the plan breaks measures down by, as residents say them, lower case for use
# mid-sentence ("By council district"); pages capitalise where a heading needs it.
KNOWN_FIELDS = {
    "council_district": _("council district"),
    "district": _("council district"),
    "neighborhood": _("neighborhood"),
    "department": _("department"),
    "division": _("division"),
    "ward": _("ward"),
    "zip_code": _("ZIP code"),
}


def breakdown_label(field_name: str) -> str:
    """Return the field's name in the reader's language; unknown fields read as written."""
    label = KNOWN_FIELDS.get(field_name)
    return str(label) if label is not None else field_name.replace("_", " ")
