from axes import apps as axes_apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Gebruikers en toegang")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.hygiene import user_logged_in_reset

        # A login is the use that keeps an account: the inactivity warnings start over (accounts/hygiene.py).
        user_logged_in.connect(user_logged_in_reset, dispatch_uid="accounts.inactivity_reset")


# axes' AppConfig by its module: a class imported into this module would count as one of its configs.
class AxesConfig(axes_apps.AppConfig):  # type: ignore[misc]  # django-axes has no type hints: its AppConfig is Any
    """django-axes under a Dutch name in the admin (INSTALLED_APPS lists this class instead of "axes"): the app
    sets none, so Django would show its label, "Axes". Its models' and admin's English texts are translated in
    locale/nl (axes ships no Dutch catalogue). Not the default config of this module: that stays AccountsConfig."""

    default = False
    verbose_name = _("Aanmeldbeveiliging")
