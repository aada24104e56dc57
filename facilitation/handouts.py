"""Handouts, for facilitators: a session's (its own and its module's, each released to the
group's members with one button), a programme module's, and removing one (after a review
step: the file is gone for everyone)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.feedback import ask_once, confirmed
from facilitation.forms import HandoutForm
from facilitation.scoping import session_for
from members.access import roles_required
from members.models import Role
from programmes import handouts
from programmes.models import HandoutRelease, ProgrammeTemplate

facilitator_only = roles_required(Role.FACILITATOR)


@facilitator_only
def session_handouts(request, session_id: int):
    session = session_for(request, session_id)
    form = HandoutForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and _added(request, form, session=session):
        return redirect("session_handouts", session_id=session.pk)
    released = set(
        HandoutRelease.objects.filter(session=session).values_list("handout_id", flat=True)
    )
    return render(
        request,
        "facilitation/session_handouts.html",
        {
            "session": session,
            "handouts": handouts.offered_for(session).select_related("uploaded_by"),
            "released": released,
            "form": form,
        },
    )


@facilitator_only
@require_POST
def handout_release(request, session_id: int, handout_id: int):
    session = session_for(request, session_id)
    handout = get_object_or_404(handouts.offered_for(session), pk=handout_id)
    handouts.release_handout(session=session, handout=handout, by=request.user)
    messages.success(
        request,
        _("%(title)s is released: members of the group can open it now.")
        % {"title": handout.title},
    )
    return redirect("session_handouts", session_id=session.pk)


@facilitator_only
def module_handouts(request, template_id: int, module_key: str):
    template = get_object_or_404(ProgrammeTemplate, pk=template_id)
    module = get_object_or_404(template.current.modules, key=module_key)
    form = HandoutForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and _added(request, form, template=template, module_key=module.key):
        return redirect("module_handouts", template_id=template.pk, module_key=module.key)
    return render(
        request,
        "facilitation/module_handouts.html",
        {
            "template": template,
            "module": module,
            "handouts": template.handouts.filter(module_key=module.key),
            "form": form,
        },
    )


def _added(request, form, **where) -> bool:
    if not form.is_valid():
        return False
    try:
        handout = handouts.add_handout(
            upload=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            language=form.cleaned_data["language"],
            by=request.user,
            **where,
        )
    except ValidationError as error:
        form.add_error("file", error)
        return False
    messages.success(request, _("%(title)s is added.") % {"title": handout.title})
    return True


@facilitator_only
@require_POST
def handout_remove(request, handout_id: int):
    handout = get_object_or_404(handouts.downloadable_by(request.user), pk=handout_id)
    back = (
        reverse("session_handouts", args=[handout.session_id])
        if handout.session_id
        else reverse("module_handouts", args=[handout.template_id, handout.module_key])
    )
    if not confirmed(request):
        return ask_once(
            request,
            question=_("Remove %(title)s?") % {"title": handout.title},
            consequences=_(
                "The file is deleted. Members who were given it can no longer open it, in "
                "any group. This cannot be undone."
            ),
            button=_("Remove the file"),
            back=back,
        )
    handouts.remove_handout(handout=handout)
    messages.success(request, _("%(title)s is removed.") % {"title": handout.title})
    return redirect(back)
