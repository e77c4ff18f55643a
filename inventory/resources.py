"""django-import-export resources for the admin's two-step import (dry run, then confirm).

Rows are saved through the service layer, so that an admin import follows the same rules as every other
write and marks the aggregates for recomputing. django-import-export runs each import in a transaction
(IMPORT_EXPORT_USE_TRANSACTIONS), so a file with an error writes nothing.
"""

from __future__ import annotations

from typing import Any

import tablib
from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets
from import_export.formats import base_formats

from inventory.models import ContextFigure, Headcount, Measure, Organisation, OverlapCorrection, Region
from inventory.services import catalogue, imports
from inventory.services.imports.files import xlsx_check
from inventory.services.imports.report import Refused


class FileRefused(ValueError):
    """An upload refused by the import service's checks, with its message for the form."""


class CheckedCSV(base_formats.CSV):
    """django-import-export's CSV with the import service's size limit, checked before tablib reads the file."""

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        upload_check(in_stream)
        return super().create_dataset(in_stream, **kwargs)


class CheckedXLSX(base_formats.XLSX):
    """django-import-export's XLSX, refused like the import service refuses one (size, macros, zip bombs) before
    tablib opens it: these catalogue files are read in the web process."""

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        upload_check(in_stream)
        try:
            xlsx_check(bytes(in_stream))
        except Refused as refused:
            raise FileRefused(refused.message) from None
        return super().create_dataset(in_stream, **kwargs)


def upload_check(in_stream: Any) -> None:
    size = len(in_stream)
    try:
        imports.import_size_check(size=size)
    except ValidationError as error:
        raise FileRefused(" ".join(error.messages)) from None


class ServiceResource(resources.ModelResource):
    user: Any = None

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self.user = kwargs.get("user")

    def do_instance_save(self, instance: Any, is_create: bool) -> None:
        self.save_through_service(instance)

    def save_through_service(self, instance: Any) -> None:
        raise NotImplementedError


def region_field() -> fields.Field:
    return fields.Field(attribute="region", column_name="region", widget=widgets.ForeignKeyWidget(Region, field="code"))


class MeasureResource(ServiceResource):
    class Meta:
        model = Measure
        import_id_fields = ("code",)
        fields = (
            "code",
            "name",
            "trede",
            "mode",
            "group",
            "target_group",
            "administering_body",
            "counted_at",
            "first_year",
            "last_year",
            "note",
        )
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def save_through_service(self, instance: Measure) -> None:
        catalogue.measure_save(measure=instance)


class OverlapCorrectionResource(ServiceResource):
    region = region_field()

    class Meta:
        model = OverlapCorrection
        import_id_fields = ("year", "region", "trede")
        fields = ("year", "region", "trede", "persons", "reason")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def save_through_service(self, instance: OverlapCorrection) -> None:
        catalogue.overlap_correction_save(correction=instance, user=self.user)


class ContextFigureResource(ServiceResource):
    region = region_field()

    class Meta:
        model = ContextFigure
        import_id_fields = ("year", "region", "indicator")
        fields = ("year", "region", "indicator", "value", "source", "synthetic")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def save_through_service(self, instance: ContextFigure) -> None:
        catalogue.context_figure_save(figure=instance)


class UploadedFile(base_formats.Format):
    """The uploaded file as it is. Our import service reads CSV and XLSX itself (delimiter, encoding, Excel's
    "sep=" line, limits), so django-import-export must not parse it first."""

    def __init__(self, encoding: str | None = None) -> None:
        # The encoding is the service's to detect; django-import-export passes one anyway.
        self.encoding = encoding

    def get_title(self) -> str:
        return "CSV / XLSX"

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        dataset = tablib.Dataset(headers=["file"])
        dataset.append([in_stream])
        return dataset

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def get_extension(self) -> str:
        return "csv"

    def can_import(self) -> bool:
        return True

    def can_export(self) -> bool:
        return False


class ServiceFileResource(resources.ModelResource):
    """The admin's import page for a file that the import service reads whole (inventory.admin.FileImportMixin
    makes it an import job): only the columns the page lists."""

    columns: tuple[str, ...] = ()

    def get_user_visible_fields(self) -> list[fields.Field]:
        # What the import page lists as the file's columns.
        return [fields.Field(column_name=column) for column in self.columns]


class HeadcountFileResource(ServiceFileResource):
    columns = (
        "year / jaar",
        "organisation / organisatie",
        "measure / maatregel",
        "region / regio",
        "persons / personen",
        "fte / vte",
    )

    class Meta:
        model = Headcount
        fields = ()


class OrganisationFileResource(ServiceFileResource):
    columns = ("kbo", "name / naam", "kind / soort", "region / regio", "email")

    class Meta:
        model = Organisation
        fields = ()
