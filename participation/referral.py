"""Asking for a place without an account: a public page at a short address the clinic can
print (/refer/), linked from the sign-in page. Crisis help comes first on it.

Robots are kept out without a third-party service: a field people never see (filled, the form
is dropped as if sent), a signed time the page was given (sent back sooner than a person could
type, or after hours, it asks again), and a limit per address and for everyone (allauth's rate
limits, ACCOUNT_RATE_LIMITS["self_referral"]). Whatever happens to the address typed, the page
answers the same: it never tells whether someone already has an account or a referral.
"""

import time

from allauth.core import ratelimit
from django.core import signing
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from members.access import public
from members.models import Organisation
from participation.forms import SelfReferralForm
from pathways import services
from pathways.models import Source

SALT = "together.self-referral"
FASTEST = 3  # seconds: nobody reads the page and types their answers quicker
SLOWEST = 3 * 60 * 60  # a page left open longer is given a fresh time


def issued_now() -> str:
    return signing.dumps(int(time.time()), salt=SALT)


def _typed_by_a_person(token: str) -> bool:
    try:
        issued = signing.loads(token, salt=SALT, max_age=SLOWEST)
    except signing.BadSignature:
        return False
    return isinstance(issued, int) and time.time() - issued >= FASTEST


@public
def self_referral(request):
    form = SelfReferralForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not ratelimit.consume(request, action="self_referral", key="everyone"):
            return _page(request, SelfReferralForm(), status=429, limited=True)
        if request.POST.get("website"):
            return redirect("self_referral_thanks")  # a robot: answered as if it were sent
        if form.is_valid() and _typed_by_a_person(form.cleaned_data["issued"]):
            services.refer(
                email=form.cleaned_data["email"],
                source=Source.SELF,
                by=None,
                details={name: form.cleaned_data[name] for name in ("known_as", "phone")},
                reason=form.cleaned_data["reason"],
                consent=form.cleaned_data["consent"],
            )
            return redirect("self_referral_thanks")
        status = 400
        if form.is_valid():  # too quick, or the page was open for hours: ask once more
            form.add_error(None, _("Please check your answers and send them again."))
    return _page(request, form, status=status)


def _page(request, form, *, status: int, limited: bool = False):
    form.data = form.data.copy() if form.is_bound else form.data
    if form.is_bound:
        form.data["issued"] = issued_now()
    else:
        form.initial["issued"] = issued_now()
    context = {
        "form": form,
        "limited": limited,
        "organisation": Organisation.current(),
    }
    return render(request, "participation/self_referral.html", context, status=status)


@public
def self_referral_thanks(request):
    context = {"organisation": Organisation.current()}
    return render(request, "participation/self_referral_thanks.html", context)
