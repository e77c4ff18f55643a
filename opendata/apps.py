from django.apps import AppConfig


class OpendataConfig(AppConfig):
    """The public site of the published editions (/cijfers/): no login, every figure protected."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "opendata"
    verbose_name = "Open data"
