"""The second factor (README, "Two-factor login"): who needs one, its set-up, the check of a code, recovery codes
and the reset by staff. The rule lives here; the middleware (accounts/middleware.py), the views and the admin ask.

The devices are django-otp's: an authenticator app (TOTPDevice: RFC 6238, 6 digits every 30 seconds) and single-use
recovery codes (StaticDevice and its StaticTokens). A session is verified once `django_otp.login` stored the device
that accepted a code; django-otp's middleware loads that device again on every request, so deleting it (a reset)
unverifies every session it verified.

A wrong code is a failed login for django-axes (same username and address as the password step), so the lock-out
counts passwords and codes together."""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import django_otp
import pghistory
import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_lockout_response
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_login_failed
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from accounts.access import user_change_problem
from accounts.models import User

RECOVERY_CODE_COUNT = 10
# Names of the devices, for the admin and the audit trail.
APP_DEVICE_NAME = "authenticator-app"
RECOVERY_DEVICE_NAME = "herstelcodes"
# The secret of a set-up in progress, and new recovery codes until the page that shows them once.
SETUP_KEY_SESSION_KEY = "second_factor_setup_key"
NEW_CODES_SESSION_KEY = "second_factor_new_codes"
# The audit trail's reason for devices deleted by a reset (accounts/audit.py).
RESET_REASON = "tweestapsaanmelding gereset"


# --- the rule -------------------------------------------------------------------------------------------------


def second_factor_device(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app. Recovery codes come with it and go with it (set-up, reset), so the
    app alone says whether the user has a second factor: one query."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def second_factor_required_by_role(user: User) -> bool:
    """Staff and coordinators may not go without: they change and publish everyone's figures."""
    return user.is_staff or user.is_coordinator


def second_factor_required(user: User) -> bool:
    """Staff and coordinators always; organisation users once they turned it on (a confirmed app)."""
    return second_factor_required_by_role(user) or second_factor_device(user) is not None


def second_factor_verified(request: HttpRequest) -> bool:
    """Whether this session passed the second factor: django-otp's middleware sets `otp_device`."""
    return getattr(request.user, "otp_device", None) is not None


def second_factor_pending(request: HttpRequest) -> bool:
    """Whether the logged-in user of this session must still give a second factor."""
    user = request.user
    if isinstance(user, AnonymousUser) or not user.is_authenticated or second_factor_verified(request):
        return False
    return second_factor_required(user)


# --- set-up ---------------------------------------------------------------------------------------------------


def setup_key(session: SessionBase) -> str:
    """The secret of the set-up in progress (hex): made at the first visit and kept in the session until the set-up
    is confirmed, so that the page shows the same QR code after a reload, when the app may have read it already.
    Nothing is stored in the database before the code confirms it."""
    key = session.get(SETUP_KEY_SESSION_KEY)
    if not key:
        key = session[SETUP_KEY_SESSION_KEY] = default_key()
    return str(key)


def setup_secret_text(key: str) -> str:
    """The secret as an app asks for it when typed in by hand: base32, in groups of four."""
    text = b32encode(bytes.fromhex(key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def setup_qr_svg(*, user: User, key: str) -> str:
    """The otpauth:// address of the secret as an inline SVG QR code, made on the server: no image request and no
    data: URI, which the Content-Security-Policy (img-src 'self') would block."""
    url = TOTPDevice(user=user, key=key).config_url
    return str(
        segno.make(url, error="m").svg_inline(
            scale=5, light="#fff", svgclass="qr", title=_("QR-code voor uw authenticator-app")
        )
    )


@transaction.atomic
def second_factor_enable(*, user: User, key: str, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm a set-up: `code` (6 digits) from the app that read `key`. Stores the app and new recovery codes and
    returns both, or None when the code is wrong (then nothing is stored)."""
    if second_factor_device(user) is not None:
        raise PermissionDenied(_("De tweestapsaanmelding is al ingesteld."))
    device = TOTPDevice(user=user, key=key, name=APP_DEVICE_NAME, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not totp.verify(int(code), tolerance=device.tolerance):
        return None
    # The code just typed does not open the next login.
    device.last_t = totp.t()
    device.drift = totp.drift
    device.save()
    return device, recovery_codes_renew(user=user)


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """New recovery codes for the user; the old ones stop working."""
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    device.token_set.all().delete()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def recovery_code_normalised(code: str) -> str:
    """As stored (lower case, no spaces or dashes): a code is read off paper and typed as it comes."""
    return "".join(code.split()).replace("-", "").lower()


# --- the check of a code ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    """What a code did: the device that accepted it, or why not. `wait_until` is set when the device refuses to
    check codes for a while after several wrong ones (django-otp's throttling, which doubles the wait each time)."""

    device: TOTPDevice | StaticDevice | None = None
    wait_until: datetime | None = None


def second_factor_check(*, request: HttpRequest, user: User, code: str, recovery: bool) -> CodeCheck:
    """Check a code of the app (6 digits) or, with `recovery`, a recovery code (used up when it fits). A code that
    does not fit is a failed login for django-axes: user_login_failed with the username, as a wrong password
    sends it, so that axes counts it for this username and address and locks the pair out at its limit."""
    model = StaticDevice if recovery else TOTPDevice
    info: dict[str, Any] | None = None
    with transaction.atomic():
        # Locked for the check: two requests with the same code cannot both pass.
        device = model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
        if device is not None:
            allowed, info = device.verify_is_allowed()
            if allowed and device.verify_token(code):
                return CodeCheck(device=device)
    user_login_failed.send(sender=__name__, credentials=axes_credentials(user), request=request)
    return CodeCheck(wait_until=(info or {}).get("locked_until"))


def second_factor_login(*, request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
    """Mark the session as verified by `device`; a new session key, as at the password step (the session gains
    power)."""
    request.session.cycle_key()
    django_otp.login(request, device)
    login_attempts_reset(request=request, user=device.user)


# --- django-axes ----------------------------------------------------------------------------------------------


def axes_credentials(user: User) -> dict[str, str]:
    """What axes reads the username from, as the login form posts it (AXES_USERNAME_FORM_FIELD)."""
    return {"username": user.get_username()}


def login_locked_response(*, request: HttpRequest, user: User) -> HttpResponse | None:
    """The lock-out page (registration/locked_out.html, 429) while axes locks this username from this address, or
    None."""
    credentials = axes_credentials(user)
    if AxesProxyHandler.is_allowed(request, credentials):
        return None
    return get_lockout_response(request, None, credentials)  # type: ignore[no-any-return]  # axes is untyped


def login_attempts_reset(*, request: HttpRequest, user: User) -> None:
    """Forget axes' failures of this username from this address once the login is complete. Axes' own reset at a
    right password is off (AXES_RESET_ON_SUCCESS): else a password, then wrong codes, then the password again
    would never reach the limit."""
    AxesProxyHandler.reset_attempts(ip_address=get_client_ip_address(request), username=user.get_username())


# --- reset by staff ---------------------------------------------------------------------------------------------


@transaction.atomic
def second_factor_reset(*, actor: User, user: User) -> bool:
    """Delete the user's app and recovery codes, so that their next login sets up a new app (staff and
    coordinators) or goes without (organisation users). A reset takes a protection off the account, so it is a
    change of the user: only for users the actor may change (accounts/access.py). Recorded in the audit trail with
    the actor and RESET_REASON (accounts/audit.py). Returns whether there was anything to delete."""
    if problem := user_change_problem(actor=actor, user=user):
        raise PermissionDenied(problem)
    # The keys of inventory.history.history_context (accounts does not import inventory).
    with pghistory.context(user=actor.pk, reason=RESET_REASON):
        apps, _counts = TOTPDevice.objects.filter(user=user).delete()
        codes, _counts = StaticDevice.objects.filter(user=user).delete()
    return bool(apps or codes)
