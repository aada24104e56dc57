from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
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


def confirmed(request) -> bool:
    """The person already answered the review step (ask_once) with yes."""
    return request.POST.get("confirmed") == "yes"


def ask_once(request, *, question: str, consequences: str, button: str, back: str):
    """The review step before something that cannot be undone: what will happen, and one
    button that sends the same form again, confirmed. Going back changes nothing."""
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirmed")
        for value in values
    ]
    context = {
        "question": question,
        "consequences": consequences,
        "button": button,
        "back": back,
        "fields": fields,
    }
    return render(request, "includes/ask_once.html", context)
