"""Django's account views: the login (completed by the second factor where it is needed), password reset e-mails
limited per address and per client address, the second factor's pages (accounts/second_factor.py), invitations
(accepting one, the staff's list and bulk file) and an organisation's members page."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import (
    may_manage_members,
    organisation_managed_or_404,
    organisations_managed_by,
)
from accounts.bounces import address_bounced
from accounts.forms import (
    AppCodeForm,
    InvitationFileForm,
    InvitationForm,
    MemberChangeForm,
    MemberRemoveForm,
    RecoveryCodeForm,
)
from accounts.invitations import (
    Outcome,
    email_normalise,
    invitation_accept,
    invitation_by_token,
    invitation_create,
    invitation_renew,
    invitation_resend,
    invitation_resend_problem,
    invitation_revoke,
)
from accounts.members import membership_remove, membership_role_change
from accounts.models import Invitation, InvitationRole, InvitationState, Membership, MembershipRole, User
from accounts.second_factor import (
    NEW_CODES_SESSION_KEY,
    SETUP_KEY_SESSION_KEY,
    login_attempts_reset,
    login_locked_response,
    recovery_codes_left,
    recovery_codes_renew,
    second_factor_check,
    second_factor_device,
    second_factor_enable,
    second_factor_login,
    second_factor_required,
    second_factor_required_by_role,
    second_factor_verified,
    setup_key,
    setup_qr_svg,
    setup_secret_text,
)
from accounts.throttle import password_reset_limit
from inventory.access import AuthenticatedHttpRequest, staff_required
from inventory.models import ImportJob
from inventory.services.import_jobs import import_job_create
from inventory.services.imports.invitations import INVITATION_COLUMNS, MAX_ROWS


class PasswordResetView(auth_views.PasswordResetView):
    """Over a limit (accounts/throttle.py) the answer is the page that always follows, "if an account has that
    address, we sent it an e-mail", but no e-mail goes out: nobody learns from it whether an account exists, or
    that the limit was reached."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # The client address as django-axes sees it for failed logins (AXES_* settings behind a proxy).
        if password_reset_limit(email=form.cleaned_data["email"], ip=get_client_ip_address(self.request)):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


# --- accepting an invitation ----------------------------------------------------------------------------------


@login_not_required
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the mail: choose a password (Django's SetPasswordForm and validators), then logged in. A link
    that no longer works says why and offers "stuur mij een nieuwe link"."""
    invitation = invitation_by_token(token)
    if request.method == "POST" and "renew" in request.POST:
        return _renew(request, invitation)
    if invitation is None or invitation.state != InvitationState.OPEN:
        state = invitation.state if invitation else None
        return render(request, "accounts/invitation_invalid.html", {"invitation": invitation, "state": state})
    first, _sep, last = invitation.name.partition(" ")
    person = User(username=invitation.email, email=invitation.email, first_name=first, last_name=last)
    form = SetPasswordForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(invitation=invitation, password=form.cleaned_data["new_password1"])
        except ValidationError as error:
            return render(
                request,
                "accounts/invitation_invalid.html",
                {"invitation": invitation, "state": InvitationState.EXPIRED, "error": error.messages[0]},
            )
        if request.user.is_authenticated:
            logout(request)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _("Welkom! Uw account is klaar. U meldt zich voortaan aan met %(username)s.")
            % {"username": user.get_username()},
        )
        return redirect("inventory:home")
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form})


def _renew(request: HttpRequest, invitation: Invitation | None) -> HttpResponse:
    """From a link we know: renew that invitation. From a link we do not (replaced by a newer one, mistyped): the
    address typed, answered alike whether it was invited or not."""
    if invitation is None:
        email = email_normalise(request.POST.get("email", ""))
        invitation = (
            Invitation.objects.filter(email=email, accepted_at=None).order_by("-created_at").first() if email else None
        )
        if invitation is not None:
            invitation_renew(invitation=invitation)
        return render(request, "accounts/invitation_renewed.html", {"outcome": "unknown"})
    return render(request, "accounts/invitation_renewed.html", {"outcome": invitation_renew(invitation=invitation)})


# --- staff: every invitation ------------------------------------------------------------------------------------

STATE_FILTERS = {
    "open": lambda q: q.open(),
    "expired": lambda q: q.expired(),
    "accepted": lambda q: q.exclude(accepted_at=None),
    "revoked": lambda q: q.exclude(revoked_at=None),
    "bounced": lambda q: q.bounced(),
}


@staff_required
def invitation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    invitations: QuerySet[Invitation] = Invitation.objects.select_related("organisation", "invited_by").annotate(
        address_bounced=address_bounced()
    )
    state = request.GET.get("state", "")
    if state in STATE_FILTERS:
        invitations = STATE_FILTERS[state](invitations)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        invitations = invitations.filter(
            Q(email__icontains=query) | Q(name__icontains=query) | Q(organisation__name__icontains=query)
        )
    page = Paginator(invitations, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/invitation_list.html",
        {
            "page_obj": page,
            "state": state,
            "query": query,
            "states": [("", _("alle")), *((s.value, s.label) for s in InvitationState), ("bounced", _("onbestelbaar"))],
            "invitation_days": settings.INVITATION_DAYS,
            "bulk_url": reverse("invitation-bulk"),
        },
    )


@staff_required
def invitation_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Invitations from a file: the upload here, then the dry run, the confirmation and the report on the import
    job's page. The file is kept as an import job (inventory.services.import_jobs), not in the session: as every
    upload it is read by the worker and never in this process, a dry run is confirmed at most once, and the file
    (addresses) is dropped after the imports' retention days."""
    posted = request.method == "POST"
    form = InvitationFileForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        job = import_job_create(
            user=request.user, kind=ImportJob.Kind.INVITATIONS, filename=upload.name, data=upload.read()
        )
        return redirect("inventory:import-job", pk=job.pk)
    jobs = ImportJob.objects.filter(user=request.user, kind=ImportJob.Kind.INVITATIONS).defer("data")[:10]
    context = {
        "form": form,
        "jobs": jobs,
        "columns": INVITATION_COLUMNS,
        "roles": InvitationRole.choices,
        "max_rows": MAX_ROWS,
        "invitation_days": settings.INVITATION_DAYS,
    }
    return render(request, "accounts/invitation_bulk.html", context, status=400 if form.errors else 200)


@staff_required
def invitation_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST if request.method == "POST" else None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        result = invitation_create(
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            organisation=form.cleaned_data["organisation"],
            name=form.cleaned_data["name"],
            language=form.cleaned_data["language"],
            invited_by=request.user,
        )
        _say_outcome(request, result.outcome, form.cleaned_data["email"])
        return redirect("invitation-list")
    context = {"form": form, "invitation_days": settings.INVITATION_DAYS}
    return render(request, "accounts/invitation_new.html", context, status=400 if form.errors else 200)


def _say_outcome(request: HttpRequest, outcome: str, email: str) -> None:
    texts = {
        Outcome.INVITED: _("Uitnodiging voor %(email)s wordt verstuurd."),
        Outcome.ADDED: _(
            "%(email)s had al een account: het lidmaatschap is toegevoegd en de persoon krijgt een e-mail."
        ),
        Outcome.ALREADY_MEMBER: _("%(email)s heeft die rol al; er is niets verstuurd."),
        Outcome.ALREADY_INVITED: _(
            "%(email)s is al uitgenodigd en de link werkt nog; gebruik ‘opnieuw versturen’ voor een nieuwe."
        ),
    }
    level = messages.SUCCESS if outcome in (Outcome.INVITED, Outcome.ADDED) else messages.WARNING
    # Only staff learn that an address already has an account: to a contact, an account elsewhere reads as an
    # invitation (the person gets a mail either way), so the members page tells nobody who else uses the site.
    if outcome == Outcome.ADDED and not cast(User, request.user).is_staff:
        outcome = Outcome.INVITED
    messages.add_message(request, level, texts[outcome] % {"email": email})


def _invitation_managed_or_404(request: AuthenticatedHttpRequest, pk: int) -> Invitation:
    invitation = get_object_or_404(Invitation.objects.select_related("organisation"), pk=pk)
    allowed = request.user.is_staff or (
        invitation.organisation is not None and may_manage_members(request.user, invitation.organisation)
    )
    if not allowed:
        raise Http404(_("Deze pagina bestaat niet of is niet voor u."))
    return invitation


def _back(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    if invitation.organisation_id and not cast(User, request.user).is_staff:
        return redirect("members", organisation_pk=invitation.organisation_id)
    return redirect("invitation-list")


@require_POST
def invitation_resend_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation_managed_or_404(request, pk)
    problem = invitation_resend_problem(invitation)
    if problem:
        messages.error(request, problem)
    else:
        invitation_resend(invitation=invitation)
        messages.success(
            request,
            _("Nieuwe link voor %(email)s wordt verstuurd; de vorige werkt niet meer.") % {"email": invitation.email},
        )
    return _back(request, invitation)


@require_POST
def invitation_revoke_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation_managed_or_404(request, pk)
    if invitation.accepted_at:
        messages.error(request, _("Deze uitnodiging is al aanvaard; verwijder de persoon bij de leden."))
    else:
        invitation_revoke(invitation=invitation)
        messages.success(request, _("Uitnodiging voor %(email)s ingetrokken.") % {"email": invitation.email})
    return _back(request, invitation)


# --- an organisation's members ---------------------------------------------------------------------------------


def _members_context(request: AuthenticatedHttpRequest, organisation: Any, **extra: Any) -> dict[str, Any]:
    memberships = list(
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__last_name", "user__username")
    )
    invitations = (
        Invitation.objects.filter(organisation=organisation).pending().annotate(address_bounced=address_bounced())
    )
    for membership in memberships:
        others = _colleagues(membership)
        membership.change_form = MemberChangeForm(  # type: ignore[attr-defined]  # for the template
            initial={"role": membership.role}, candidates=others, prefix=f"m{membership.pk}"
        )
        membership.remove_form = MemberRemoveForm(  # type: ignore[attr-defined]  # for the template
            candidates=others, prefix=f"r{membership.pk}"
        )
    return {
        "organisation": organisation,
        "memberships": memberships,
        "invitations": invitations,
        "form": extra.pop("form", None) or InvitationForm(actor=request.user, organisation=organisation),
        "contact_role": MembershipRole.CONTACT,
        "now": timezone.now(),
        **extra,
    }


def members(request: AuthenticatedHttpRequest, organisation_pk: int) -> HttpResponse:
    organisation = organisation_managed_or_404(request.user, organisation_pk)
    return render(request, "accounts/members.html", _members_context(request, organisation))


@require_POST
def members_invite(request: AuthenticatedHttpRequest, organisation_pk: int) -> HttpResponse:
    organisation = organisation_managed_or_404(request.user, organisation_pk)
    form = InvitationForm(request.POST, actor=request.user, organisation=organisation)
    if not form.is_valid():
        context = _members_context(request, organisation, form=form)
        return render(request, "accounts/members.html", context, status=400)
    result = invitation_create(
        email=form.cleaned_data["email"],
        role=form.cleaned_data["role"],
        organisation=organisation,
        name=form.cleaned_data["name"],
        language=form.cleaned_data["language"],
        invited_by=request.user,
    )
    _say_outcome(request, result.outcome, form.cleaned_data["email"])
    return redirect("members", organisation_pk=organisation.pk)


def _membership_managed_or_404(request: AuthenticatedHttpRequest, organisation_pk: int, pk: int) -> Membership:
    organisation = organisation_managed_or_404(request.user, organisation_pk)
    memberships = Membership.objects.select_related("user", "organisation")
    return get_object_or_404(memberships, pk=pk, organisation=organisation)


@require_POST
def member_change(request: AuthenticatedHttpRequest, organisation_pk: int, pk: int) -> HttpResponse:
    membership = _membership_managed_or_404(request, organisation_pk, pk)
    form = MemberChangeForm(request.POST, candidates=_colleagues(membership), prefix=f"m{pk}")
    if not form.is_valid():
        messages.error(request, _("Kies een rol en een collega uit de lijst."))
    else:
        try:
            membership_role_change(
                membership=membership, role=form.cleaned_data["role"], successor=form.cleaned_data["successor"]
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request,
                _("%(person)s is nu %(role)s.")
                % {"person": _person(membership.user), "role": MembershipRole(form.cleaned_data["role"]).label},
            )
    return _members_or_home(request, membership)


@require_POST
def member_remove(request: AuthenticatedHttpRequest, organisation_pk: int, pk: int) -> HttpResponse:
    membership = _membership_managed_or_404(request, organisation_pk, pk)
    try:
        membership_remove(membership=membership, successor=_successor(request, membership))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("%(person)s is geen lid meer van %(organisation)s.")
            % {"person": _person(membership.user), "organisation": membership.organisation.name},
        )
    return _members_or_home(request, membership)


def _colleagues(membership: Membership) -> QuerySet[User]:
    return User.objects.filter(memberships__organisation=membership.organisation, is_active=True).exclude(
        pk=membership.user_id
    )


def _successor(request: HttpRequest, membership: Membership) -> User | None:
    form = MemberRemoveForm(request.POST, candidates=_colleagues(membership), prefix=f"r{membership.pk}")
    return form.cleaned_data["successor"] if form.is_valid() else None


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _members_or_home(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    """Back to the members page, unless the person just gave up managing it (removed or no longer contact)."""
    if organisations_managed_by(request.user).filter(pk=membership.organisation_id).exists():
        return redirect("members", organisation_pk=membership.organisation_id)
    return redirect(reverse("inventory:home"))


class LoginView(auth_views.LoginView):
    """Django's login. Who needs a second factor is then sent on to it by accounts.middleware; for everyone else
    the login is complete here, and django-axes' count of failures for the pair ends (second_factor.py)."""

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        if not second_factor_required(user):
            login_attempts_reset(request=self.request, user=user)
        return response


# --- the second factor ------------------------------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    """Where the person was going (?next=, kept through the pages), if it is on this site; else the home page."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


@require_GET
def second_factor(request: HttpRequest) -> HttpResponse:
    """The "Tweestapsaanmelding" page: on or off, recovery codes left; organisation users turn it on here."""
    user = cast(User, request.user)
    device = second_factor_device(user)
    context = {
        "device": device,
        "required": second_factor_required_by_role(user),
        "codes_left": recovery_codes_left(user) if device else 0,
    }
    return render(request, "registration/second_factor.html", context)


@require_http_methods(["GET", "POST"])
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """A QR code (and the secret as text) for the app, confirmed by a code from it; then the recovery codes, once."""
    user = cast(User, request.user)
    next_url = _next_url(request)
    if second_factor_device(user) is not None:
        if second_factor_verified(request):
            return redirect("second_factor")
        return HttpResponseRedirect(_with_next("second_factor_verify", next_url))
    key = setup_key(request.session)
    form = AppCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        enabled = second_factor_enable(user=user, key=key, code=form.cleaned_data["code"])
        if enabled is None:
            form.add_error(
                "code",
                _(
                    "Deze code klopt niet. Typ de code die de app nu toont; klopt die ook niet, "
                    "kijk dan of de tijd van uw toestel juist staat."
                ),
            )
        else:
            device, codes = enabled
            del request.session[SETUP_KEY_SESSION_KEY]
            second_factor_login(request=request, device=device)
            request.session[NEW_CODES_SESSION_KEY] = codes
            return HttpResponseRedirect(_with_next("second_factor_recovery_codes", next_url))
    context = {
        "form": form,
        # segno's SVG of our own secret: markup made here, no user input in it.
        "qr_svg": mark_safe(setup_qr_svg(user=user, key=key)),
        "secret": setup_secret_text(key),
        "next": next_url,
        "second_factor_pending": second_factor_required(user),
    }
    return render(request, "registration/second_factor_setup.html", context)


@require_http_methods(["GET", "POST"])
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code step after the password: a code of the app, or a recovery code. A wrong one counts for django-axes;
    a locked-out username and address get the lock-out page here as at the password."""
    user = cast(User, request.user)
    next_url = _next_url(request)
    if second_factor_verified(request):
        return HttpResponseRedirect(next_url)
    if second_factor_device(user) is None:
        if second_factor_required_by_role(user):
            return HttpResponseRedirect(_with_next("second_factor_setup", next_url))
        return redirect("second_factor")
    if locked := login_locked_response(request=request, user=user):
        return locked
    app_form, recovery_form = AppCodeForm(), RecoveryCodeForm()
    if request.method == "POST":
        recovery = "recovery_code" in request.POST
        form: AppCodeForm | RecoveryCodeForm = RecoveryCodeForm(request.POST) if recovery else AppCodeForm(request.POST)
        field = "recovery_code" if recovery else "code"
        if form.is_valid():
            check = second_factor_check(request=request, user=user, code=form.cleaned_data[field], recovery=recovery)
            if check.device is not None:
                second_factor_login(request=request, device=check.device)
                if recovery:
                    left = recovery_codes_left(user)
                    messages.warning(
                        request,
                        ngettext(
                            "U meldde zich aan met een herstelcode; die werkt nu niet meer. U hebt nog %(count)d "
                            "herstelcode. Maak nieuwe op de pagina Tweestapsaanmelding.",
                            "U meldde zich aan met een herstelcode; die werkt nu niet meer. U hebt nog %(count)d "
                            "herstelcodes. Maak nieuwe op de pagina Tweestapsaanmelding.",
                            left,
                        )
                        % {"count": left},
                    )
                return HttpResponseRedirect(next_url)
            if check.wait_until is not None:
                wait = time_format(timezone.localtime(check.wait_until), "H:i:s")
                form.add_error(field, _("Te veel foute codes na elkaar. Probeer opnieuw na %(time)s.") % {"time": wait})
            elif recovery:
                form.add_error(field, _("Deze herstelcode klopt niet, of werd al gebruikt."))
            else:
                form.add_error(field, _("Deze code klopt niet. Typ de code die de app nu toont."))
        if isinstance(form, RecoveryCodeForm):
            recovery_form = form
        else:
            app_form = form
    context = {"app_form": app_form, "recovery_form": recovery_form, "next": next_url, "second_factor_pending": True}
    return render(request, "registration/second_factor_verify.html", context)


@require_http_methods(["GET", "POST"])
def second_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once (after the set-up, or made anew here: the old ones then stop working)."""
    user = cast(User, request.user)
    next_url = _next_url(request)
    if second_factor_device(user) is None:
        return redirect("second_factor")
    if request.method == "POST":
        request.session[NEW_CODES_SESSION_KEY] = recovery_codes_renew(user=user)
        return HttpResponseRedirect(_with_next("second_factor_recovery_codes", next_url))
    context = {
        "codes": request.session.pop(NEW_CODES_SESSION_KEY, None),
        "codes_left": recovery_codes_left(user),
        "next": next_url,
    }
    return render(request, "registration/second_factor_recovery_codes.html", context)
