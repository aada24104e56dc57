"""Facilitator pages for session notes: writing drafts (saved as they are typed), reviewing and
signing, and correcting a signed note with an addendum. Nothing typed is lost: a format switch
carries the text across, and a draft saved by the page is there after a sign-in."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit
from core.feedback import report
from facilitation.forms import AddendumForm, GroupNoteForm, IndividualNoteForm
from facilitation.scoping import member_of, session_for
from members.access import roles_required
from members.models import Role
from programmes import queries as programme_queries
from sessions import queries, services
from sessions.models import NOTE_FIELDS, GroupNote, IndividualNote, NoteFormat
from sessions.notes import as_one_text, known_format, signing_review, switched

facilitator_only = roles_required(Role.FACILITATOR)


def _autosaving(request) -> bool:
    """The page saves a draft by itself after a pause in typing (htmx): it gets a status line
    back, not a new page."""
    return bool(request.headers.get("HX-Request"))


def _signed_meanwhile(request, session, typed: str, *, participant):
    """Someone signed the note while this person was still writing: what they typed is kept,
    ready to add as an addendum."""
    if _autosaving(request):
        return _draft_status(
            request,
            error=ValidationError(
                _(
                    "This note has just been signed. "
                    "Press Save draft to keep your text for an addendum."
                )
            ),
        )
    return render(
        request,
        "facilitation/signed_meanwhile.html",
        {
            "session": session,
            "participant": participant,
            "addendum_form": AddendumForm(initial={"text": typed}),
        },
    )


def _draft_status(request, *, saved=None, error: ValidationError | None = None):
    return render(
        request,
        "facilitation/includes/draft_status.html",
        {"saved_at": saved.updated_at if saved else None, "error": error},
    )


def _refused(request, error: ValidationError, *, form=None, back=None):
    """A draft the services would not save: a status line for the page's own save; otherwise
    the page again with the reason (`form`), or the reason on the page it came from (`back`)."""
    if _autosaving(request):
        return _draft_status(request, error=error)
    if form is not None:
        form.add_error(None, error)
        return None
    report(request, error)
    return back


@facilitator_only
def group_note(request, session_id: int):
    session = session_for(request, session_id)
    note = GroupNote.objects.filter(session=session).first()
    if note is not None and note.is_signed:
        if request.method == "POST":
            form = GroupNoteForm(request.POST)
            typed = as_one_text(form.cleaned_data) if form.is_valid() else ""
            return _signed_meanwhile(request, session, typed, participant=None)
        messages.info(request, _("This note is signed. Add an addendum to correct it."))
        return redirect("session_detail", session_id=session.pk)
    if request.method == "POST":
        form = GroupNoteForm(request.POST)
        if form.is_valid():
            return _save_group_note(request, session, note, form.cleaned_data)
        if _autosaving(request):
            return _draft_status(request, error=ValidationError(_("Choose a note format.")))
        chosen = known_format(request.POST.get("format"))
    else:
        # A new note may start in the format the switch chose; a saved one keeps its own.
        chosen = note.format if note else known_format(request.GET.get("format"))
        initial = {"format": chosen}
        if note is not None:
            initial |= {field: getattr(note, field) for field in NOTE_FIELDS[chosen]}
            audit.viewed(request, note, group_id=session.group_id)
        form = GroupNoteForm(initial=initial)
    context = {
        "session": session,
        "note": note,
        "form": form,
        "prompts": programme_queries.note_prompts(session),
        "note_format": chosen,
        "formats": NoteFormat.choices,
        "fields": [form[name] for name in NOTE_FIELDS[chosen]],
    }
    return render(request, "facilitation/group_note.html", context)


def _save_group_note(request, session, note, posted: dict):
    """Save the draft, in another format when the switch asked for one (the page's own
    saving never switches), and say what happened."""
    switching = request.POST.get("action") == "switch" and not _autosaving(request)
    chosen, texts = switched(posted, to=request.POST.get("switch_to") if switching else None)
    saved = None
    if note is not None or any(texts.values()):  # nothing typed yet: no empty draft
        try:
            saved = services.save_group_note(
                session=session, author=request.user, format=chosen, **texts
            )
        except ValidationError as error:
            return _refused(request, error, back=redirect("session_detail", session_id=session.pk))
    if _autosaving(request):
        return _draft_status(request, saved=saved)
    if switching:
        messages.success(
            request,
            _("Now in %(format)s. Everything you typed is still here.")
            % {"format": NoteFormat(chosen).label},
        )
        return redirect(f"{request.path}?format={chosen}")
    messages.success(request, _("Group note saved as a draft."))
    return redirect("session_detail", session_id=session.pk)


@facilitator_only
def notes_sign(request, session_id: int):
    """Review everything signing will lock (group note, individual notes, attendance), then
    sign it as reviewed."""
    session = session_for(request, session_id)
    if request.method == "POST":
        try:
            services.sign_notes(
                session=session, signer=request.user, reviewed=request.POST.get("reviewed", "")
            )
        except ValidationError as error:
            report(request, error)
            return redirect("notes_sign", session_id=session.pk)
        messages.success(
            request, _("Notes signed. They can no longer change; add an addendum to correct them.")
        )
        return redirect("session_detail", session_id=session.pk)
    review = signing_review(session)
    if review.note is None or review.note.is_signed:
        return redirect("session_detail", session_id=session.pk)
    audit.viewed(request, review.note, group_id=session.group_id)
    audit.record_many(
        audit.Action.VIEW,
        IndividualNote,
        [n.pk for n in review.individual_notes],
        group_id=session.group_id,
        participants={n.pk: n.participant_id for n in review.individual_notes},
    )
    return render(
        request,
        "facilitation/notes_sign.html",
        {"session": session, "review": review, "started": session.starts_at <= timezone.now()},
    )


@facilitator_only
def individual_note(request, session_id: int, participant_id: int):
    """A draft to write, or, once signed, the note as signed with its addenda and a form to
    add one."""
    session = session_for(request, session_id)
    participant = member_of(session.group, participant_id)
    note = (
        IndividualNote.objects.filter(session=session, participant=participant)
        .select_related("signed_by")
        .first()
    )
    signed = note is not None and note.is_signed
    previous, following = queries.neighbours(queries.attendees(session), participant)
    if signed and request.method == "POST":
        posted = IndividualNoteForm(request.POST)
        texts = posted.cleaned_data if posted.is_valid() else {}
        typed = "\n\n".join(filter(None, [texts.get("progress"), texts.get("participation")]))
        return _signed_meanwhile(request, session, typed, participant=participant)
    form = None
    if not signed:
        fields = ("progress", "participation", "risk_flag")
        initial = {field: getattr(note, field) for field in fields} if note else {}
        bound = request.POST if request.method == "POST" else None
        form = IndividualNoteForm(bound, initial=initial)
    if form is not None and form.is_bound and form.is_valid():
        done = _save_individual_note(
            request, session, participant, note, form, neighbours=(previous, following)
        )
        if done is not None:
            return done
    if note is not None and request.method == "GET":
        audit.viewed(request, note, group_id=session.group_id, participant_id=participant.pk)
    context = {
        "session": session,
        "participant": participant,
        "note": note,
        "form": form,
        "attendance": session.attendance.filter(participant=participant).first(),
        "addenda": note.addenda.select_related("signed_by") if signed else (),
        "addendum_form": AddendumForm() if signed else None,
        "previous": previous,
        "following": following,
    }
    return render(request, "facilitation/individual_note.html", context)


def _save_individual_note(request, session, participant, note, form, *, neighbours):
    """Save the draft; then the page's own save gets a status line, and a press of a button
    goes on to the session, or to the person it names ("Save, then Sam →"). None: refused, the
    page shows why."""
    typed = form.cleaned_data
    if _autosaving(request) and note is None and not typed["progress"] + typed["participation"]:
        return _draft_status(request)  # nothing typed yet: no empty draft
    try:
        saved = services.save_individual_note(
            session=session, participant=participant, author=request.user, **typed
        )
    except ValidationError as error:
        return _refused(request, error, form=form)
    if _autosaving(request):
        return _draft_status(request, saved=saved)
    messages.success(request, _("Note about %(name)s saved.") % {"name": participant.short_name})
    then = request.POST.get("then", "")
    for person in neighbours:
        if person is not None and then == str(person.pk):
            return redirect("individual_note", session_id=session.pk, participant_id=person.pk)
    return redirect("session_detail", session_id=session.pk)


@facilitator_only
@require_POST
def addendum(request, session_id: int, participant_id: int | None = None):
    session = session_for(request, session_id)
    if participant_id is None:
        note = get_object_or_404(GroupNote, session=session)
        back = redirect("session_detail", session_id=session.pk)
    else:
        participant = member_of(session.group, participant_id)
        note = get_object_or_404(IndividualNote, session=session, participant=participant)
        back = redirect("individual_note", session_id=session.pk, participant_id=participant.pk)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.add_addendum(note=note, text=form.cleaned_data["text"], signer=request.user)
            messages.success(request, _("Addendum signed and added."))
        except ValidationError as error:
            report(request, error)
    else:
        messages.error(request, _("Write the addendum before signing it."))
    return back
