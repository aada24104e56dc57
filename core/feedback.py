from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def report(request, error: ValidationError) -> None:
    """Show a service's refusal to the person, one message per reason."""
    for message in error.messages:
        messages.error(request, message)


def redirect_back(request, default: str) -> HttpResponseRedirect:
    """Back to the page the form's `next` field names, if it is a path on this site;
    otherwise to `default` (a URL name)."""
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(next_url)
    return redirect(default)
