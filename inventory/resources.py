"""django-import-export resources for the admin's two-step import (dry run, then confirm).

Rows are saved through the service layer, so that an admin import follows the same rules as every other
write and marks the aggregates for recomputing. django-import-export runs each import in a transaction
(IMPORT_EXPORT_USE_TRANSACTIONS), so a file with an error writes nothing.
"""

from __future__ import annotations

from typing import Any

from import_export import fields, resources, widgets

from inventory.models import ContextFigure, Measure, OverlapCorrection, Region
from inventory.services import catalogue


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
