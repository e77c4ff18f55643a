"""The audit trail of second factors (django-pghistory, as inventory/models/audit.py): every deleted authenticator
app and set of recovery codes, whoever deleted it (a reset by staff, a deleted user), with the context's `user`
and `reason` (accounts/second_factor.py `second_factor_reset`).

django-otp's models belong to its own apps, whose migrations are not ours: pghistory tracks a third-party model
through a proxy of it here, so that the trigger and the event table come in this app's migration. Only deletes:
a device's every verification updates it (last code, throttling). The secret (`key`) stays out of the events."""

from __future__ import annotations

import pghistory
import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

# What a device was: whose, which, since when and last used; never its secret.
DEVICE_FIELDS = ["id", "user", "name", "confirmed", "created_at", "last_used_at"]


class TOTPDeviceProxy(TOTPDevice):  # type: ignore[misc]  # django-otp is untyped
    class Meta:
        proxy = True
        verbose_name = _("authenticator-app")
        verbose_name_plural = _("authenticator-apps")


class StaticDeviceProxy(StaticDevice):  # type: ignore[misc]  # django-otp is untyped
    class Meta:
        proxy = True
        verbose_name = _("set herstelcodes")
        verbose_name_plural = _("sets herstelcodes")


def device_history(model: type[models.Model]) -> type[models.Model]:
    return pghistory.create_event_model(
        model,
        pghistory.DeleteEvent(trigger_name="history_delete"),
        fields=DEVICE_FIELDS,
        obj_field=pghistory.ObjForeignKey(related_name="events"),
        level=pghistory.Statement,
    )


class TOTPDeviceEvent(device_history(TOTPDeviceProxy)):  # type: ignore[misc]  # pghistory builds the event model at run time
    class Meta:
        verbose_name = _("verwijderde authenticator-app")
        verbose_name_plural = _("verwijderde authenticator-apps")
        indexes = [models.Index(fields=["user"], name="totpdeviceevent_user")]
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


class StaticDeviceEvent(device_history(StaticDeviceProxy)):  # type: ignore[misc]  # pghistory builds the event model at run time
    class Meta:
        verbose_name = _("verwijderde set herstelcodes")
        verbose_name_plural = _("verwijderde sets herstelcodes")
        indexes = [models.Index(fields=["user"], name="staticdeviceevent_user")]
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]
