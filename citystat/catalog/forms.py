"""Staff forms: describe a dataset, draft its schema from a sample, upload a file into it,
choose what the public sees."""

from __future__ import annotations

from typing import Any

from django import forms

from citystat.accounts.forms import AccessibleForm
from citystat.catalog.ingest import MODES
from citystat.catalog.models import Dataset
from citystat.catalog.publication import (
    Exposure,
    MakePublicRefused,
    check_may_make_public,
    exposure_of,
)
from citystat.catalog.schema import SchemaError, validate_schema
from citystat.catalog.sources import SourceError, check_stored_source


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file input that takes one or more files and cleans to a list of them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class UploadForm(forms.Form):
    file = MultipleFileField(
        label="Files",
        help_text="One or more CSV, TSV, Parquet, JSON, NDJSON or GeoJSON files, with a header "
        "row for text files. Several files are published together as one version, or not "
        "at all.",
    )
    mode = forms.ChoiceField(
        label="How to publish",
        choices=[(mode, mode.capitalize()) for mode in MODES],
        initial="replace",
        help_text="Replace: the file becomes the data. Append: add its rows. "
        "Upsert: replace rows with the same key and add the rest.",
    )
    max_rejects = forms.IntegerField(
        label="Rows that may be rejected",
        min_value=0,
        initial=0,
        help_text="Publish even if up to this many rows do not fit the schema.",
    )
    column_map = forms.CharField(
        label="Column names",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One FIELD=COLUMN per line, for columns whose name differs from the schema.",
    )

    def clean_column_map(self) -> dict[str, str]:
        mapping = {}
        for number, line in enumerate(self.cleaned_data["column_map"].splitlines(), start=1):
            if not line.strip():
                continue
            field, separator, column = line.partition("=")
            if not separator or not field.strip() or not column.strip():
                raise forms.ValidationError(
                    f"Line {number} should read FIELD=COLUMN, such as created_date=CREATION DATE."
                )
            mapping[field.strip()] = column.strip()
        return mapping


# Django's ModelForm takes its model as a type argument only in the stubs (see catalog/admin.py).
class MakePublicCheck(forms.ModelForm):  # type: ignore[type-arg]
    """Refuse a save that shows the public more unless `user` may make data public."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        instance = self.instance
        # Read before validation: ModelForm copies the typed values onto the instance.
        self.exposure_before = (
            exposure_of(instance.is_public, instance.table_schema)
            if instance.pk
            else Exposure(dataset=False, columns=frozenset())
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        schema = data.get("table_schema", self.instance.table_schema)
        after = exposure_of(bool(data.get("is_public")), schema)
        try:
            check_may_make_public(self.user, self.exposure_before, after)
        except MakePublicRefused as refusal:
            dataset_widened = after.dataset and not self.exposure_before.dataset
            field = "is_public" if dataset_widened or "table_schema" not in self.fields else None
            self.add_error(field or "table_schema", str(refusal))
        return data


class NewDatasetForm(MakePublicCheck):
    sample = forms.FileField(
        label="Sample file",
        help_text="A few hundred rows of the source; the schema is drafted from it for you "
        "to review.",
    )

    class Meta:
        model = Dataset
        fields = ["slug", "title", "department", "is_public"]


class DatasetForm(MakePublicCheck):
    class Meta:
        model = Dataset
        fields = [
            "title",
            "description",
            "department",
            "contact_email",
            "license",
            "update_frequency",
            "tags",
            "is_public",
            "source",
            "refresh_schedule",
            "table_schema",
            "column_map",
            "ignored_columns",
        ]
        help_texts = {
            "source": "A file in the source folder (CITYSTAT_SOURCE_FOLDERS; a bare name is "
            "taken from there), an http(s) URL on the internet, or socrata://HOST/ABCD-1234.",
        }
        widgets = {
            "table_schema": forms.Textarea(attrs={"rows": 16}),
            "column_map": forms.Textarea(attrs={"rows": 6}),
        }

    def clean_source(self) -> str:
        source: str = self.cleaned_data["source"].strip()
        # Only a changed source is checked here, so a source the last load set does not
        # block other edits; `citystat refresh` checks whatever it loads again anyway.
        if source and "source" in self.changed_data:
            try:
                check_stored_source(source, self.instance.slug)
            except SourceError as error:
                raise forms.ValidationError(str(error)) from None
        return source

    def clean_table_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = self.cleaned_data["table_schema"]
        try:
            validate_schema(schema)
        except SchemaError as error:
            raise forms.ValidationError(str(error)) from None
        return schema


class PublicityForm(AccessibleForm):
    """Whether the dataset is public, and which of its columns the public sees."""

    is_public = forms.BooleanField(
        label="Public: residents see this dataset, its dictionary and its public columns",
        required=False,
    )
    public_columns = forms.MultipleChoiceField(
        label="Public columns",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Unticked columns are withheld: loaded and usable by measures, never shown.",
    )

    def __init__(self, *args: Any, dataset: Dataset, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "is_public": dataset.is_public,
                "public_columns": [spec["name"] for spec in dataset.public_fields],
            },
        )
        super().__init__(*args, **kwargs)
        columns = self.fields["public_columns"]
        assert isinstance(columns, forms.MultipleChoiceField)
        columns.choices = [
            (spec["name"], spec.get("title") or spec["name"]) for spec in dataset.fields
        ]

    def schema_for(self, dataset: Dataset) -> dict[str, Any]:
        """Return `dataset`'s schema with each field's `public` flag as chosen."""
        chosen = set(self.cleaned_data["public_columns"])
        fields = []
        for spec in dataset.fields:
            spec = {key: value for key, value in spec.items() if key != "public"}
            if spec["name"] not in chosen:
                spec["public"] = False
            fields.append(spec)
        return {**dataset.table_schema, "fields": fields}
