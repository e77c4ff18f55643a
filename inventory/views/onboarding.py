"""Staff's onboarding page per round: how far each expected organisation got (inventory/selectors/onboarding.py),
and the two nudges, "invite the contact" and "send a reminder", per row or for the rows ticked."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.invitations import ContactOutcome, Outcome, organisation_contact_invite
from inventory.access import AuthenticatedHttpRequest, staff_required
from inventory.parsing import whole_number
from inventory.selectors.onboarding import (
    INVITABLE,
    REMINDABLE,
    STATE_LABELS,
    onboarding_counts,
    onboarding_rows,
)
from inventory.selectors.rounds import round_for, round_years
from inventory.tasks import send_reminders
from inventory.views.errors import NotFound


@staff_required
def onboarding_page(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    round_ = round_for(year=year)
    years = round_years()
    if round_ is None:
        return render(request, "inventory/onboarding.html", {"year": year, "years": years}, status=404)
    state = request.GET.get("state", "")
    if state not in STATE_LABELS:
        state = ""
    query = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "inventory/onboarding.html",
        {
            "year": year,
            "round": round_,
            "years": years,
            "state": state,
            "query": query,
            "counts": onboarding_counts(year=year, query=query),
            "rows": onboarding_rows(year=year, state=state, query=query),
        },
    )


def _chosen(request: AuthenticatedHttpRequest) -> list[int]:
    """The organisations an action is for: the row whose button was pressed, else the rows ticked. Values that are
    no id are left out (nothing to act on)."""
    values = [request.POST["row"]] if request.POST.get("row") else request.POST.getlist("organisation")
    ids = (whole_number(value.strip(), low=1, high=2**31 - 1) for value in values[:1000])
    return [pk for pk in ids if pk is not None]


def _back(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(reverse("inventory:onboarding", args=[year]))


def _round_or_404(year: int) -> None:
    if round_for(year=year) is None:
        raise NotFound(_("Er is geen bevragingsronde voor %(year)s.") % {"year": year})


@require_POST
@staff_required
def onboarding_invite(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    _round_or_404(year)
    ids = _chosen(request)
    if not ids:
        messages.warning(request, _("Kies eerst een of meer organisaties."))
        return _back(request, year)
    done: Counter[str] = Counter()
    no_address: list[str] = []
    for row in onboarding_rows(year=year, organisation_ids=ids):
        if row.state not in INVITABLE:
            done["skipped"] += 1
            continue
        outcome = organisation_contact_invite(organisation=row.organisation, invited_by=request.user)
        if outcome == ContactOutcome.NO_ADDRESS:
            no_address.append(row.organisation.name)
        done[outcome] += 1
    sent = done[Outcome.INVITED] + done[Outcome.ADDED] + done[ContactOutcome.RESENT]
    if sent:
        messages.success(
            request,
            _("Uitnodigingen: %(invited)s nieuw, %(resent)s opnieuw verstuurd, %(added)s bestaand account toegevoegd.")
            % {"invited": done[Outcome.INVITED], "resent": done[ContactOutcome.RESENT], "added": done[Outcome.ADDED]},
        )
    if no_address:
        messages.warning(
            request,
            _("Geen bruikbaar e-mailadres voor %(names)s: nodig iemand uit via de ledenpagina van de organisatie.")
            % {"names": ", ".join(no_address)},
        )
    already = done["skipped"] + done[Outcome.ALREADY_INVITED] + done[Outcome.ALREADY_MEMBER]
    if already:
        messages.info(
            request,
            _("%(n)s organisatie(s) overgeslagen: al uitgenodigd of al met een account.") % {"n": already},
        )
    return _back(request, year)


@require_POST
@staff_required
def onboarding_remind(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    """The round's reminder (the completeness page's, inventory/services/completeness.py), for the chosen
    organisations that have not sent their submission."""
    _round_or_404(year)
    rows = onboarding_rows(year=year, organisation_ids=_chosen(request))
    ids = [row.organisation.pk for row in rows if row.state in REMINDABLE]
    if not ids:
        messages.warning(request, _("Kies eerst een of meer organisaties die nog niet ingediend hebben."))
        return _back(request, year)
    transaction.on_commit(lambda: send_reminders.delay(year, ids), robust=True)
    messages.success(
        request,
        _("Herinneringen aan %(n)s organisatie(s) worden verstuurd (hoogstens één per organisatie per dag).")
        % {"n": len(ids)},
    )
    return _back(request, year)
