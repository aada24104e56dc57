"""Admin pages in the app: therapists, groups, organisation settings, reports, closures.

Admins see schedules, counts and delivery health; never clinical notes or goal text.
"""

import csv
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from administration import queries
from administration.forms import (
    AdminGroupForm,
    AgreementForm,
    CrisisLineForm,
    CrisisLineFormSet,
    GroupFacilitatorsForm,
    InviteTherapistForm,
    OrganisationForm,
)
from core import audit, outbox
from core.charts import bar_chart
from core.csv_safety import csv_safe
from core.feedback import ask_once, confirmed
from core.outbox import delivery, mark
from core.outbox.models import Notification, OutboxMark
from measures import queries as measure_queries
from measures.models import AFTER_MONTHS
from measures.reports import outcome_report
from members import services as member_services
from members.access import roles_required
from members.models import (
    ConfidentialityAgreement,
    CrisisLine,
    Organisation,
    Role,
)
from sessions import reports
from therapy_groups import services as group_services
from therapy_groups.models import TherapyGroup

admin_only = roles_required(Role.ADMIN)
PAGE_SIZE = queries.PAGE_SIZE  # one page size for every list of the admins


@admin_only
def therapists(request):
    form = InviteTherapistForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        member_services.create_invitation(
            email=form.cleaned_data["email"], role=Role.FACILITATOR, invited_by=request.user
        )
        messages.success(
            request,
            _("Invitation sent to %(email)s. They set up two-step sign-in when they first sign in.")
            % {"email": form.cleaned_data["email"]},
        )
        return redirect("admin_therapists")
    return render(
        request,
        "administration/therapists.html",
        {
            "form": form,
            "page": queries.therapists(request.GET.get("page")),
            "pending": member_services.pending_invitations(role=Role.FACILITATOR),
        },
    )


@admin_only
@require_POST
def therapist_access(request, user_id: int):
    therapist = get_object_or_404(queries.facilitators(), pk=user_id)
    name = therapist.get_full_name() or therapist.email
    if request.POST.get("action") == "deactivate" and not confirmed(request):
        groups = queries.active_groups_of(therapist)
        return ask_once(
            request,
            question=_("Deactivate %(name)s?") % {"name": name},
            consequences=ngettext(
                "%(name)s is signed out everywhere at once and can no longer sign in. Their "
                "%(groups)s active group will show as needing a facilitator. Their notes stay. "
                "You can reactivate them later.",
                "%(name)s is signed out everywhere at once and can no longer sign in. Their "
                "%(groups)s active groups will show as needing a facilitator. Their notes stay. "
                "You can reactivate them later.",
                groups,
            )
            % {"name": name, "groups": groups},
            button=_("Deactivate %(name)s") % {"name": name},
            back=reverse("admin_therapists"),
        )
    if request.POST.get("action") == "deactivate":
        member_services.deactivate_user(user=therapist)
        messages.success(
            request,
            _(
                "%(name)s can no longer sign in and was signed out everywhere. Their groups "
                "need a facilitator."
            )
            % {"name": therapist.get_full_name() or therapist.email},
        )
    elif request.POST.get("action") == "reactivate":
        member_services.reactivate_user(user=therapist)
        messages.success(
            request,
            _("%(name)s can sign in again.")
            % {"name": therapist.get_full_name() or therapist.email},
        )
    else:
        messages.error(request, _("Choose deactivate or reactivate."))
    return redirect("admin_therapists")


@admin_only
def groups(request):
    page = Paginator(queries.groups(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "administration/groups.html", {"page": page})


@admin_only
def group_create(request):
    form = AdminGroupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        group = group_services.create_group(facilitators=list(data.pop("facilitators")), **data)
        messages.success(request, _("%(group)s created.") % {"group": group.name})
        return redirect("admin_groups")
    return render(request, "administration/group_form.html", {"form": form})


@admin_only
def group_facilitators(request, group_id: int):
    group = get_object_or_404(TherapyGroup, pk=group_id)
    form = GroupFacilitatorsForm(
        request.POST if request.method == "POST" else None,
        initial={"facilitators": group.facilitators.all()},
    )
    if request.method == "POST" and form.is_valid():
        group_services.set_facilitators(group=group, facilitators=form.cleaned_data["facilitators"])
        messages.success(request, _("Facilitators of %(group)s saved.") % {"group": group.name})
        return redirect("admin_groups")
    return render(request, "administration/group_facilitators.html", {"group": group, "form": form})


@admin_only
def organisation_settings(request):
    organisation = Organisation.current()
    form = OrganisationForm(
        request.POST if request.method == "POST" else None, instance=organisation
    )
    if request.method == "POST" and form.is_valid():
        try:
            member_services.update_organisation(organisation=organisation, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("admin_settings")
    return render(
        request,
        "administration/settings.html",
        {
            "form": form,
            "agreement": ConfidentialityAgreement.current(),
            # The public self-referral page, to print on leaflets and posters.
            "referral_address": settings.SITE_URL + reverse("self_referral"),
        },
    )


@admin_only
def group_agreement(request):
    """The group agreement, on its own page: changing its words stops every participant until
    they accept the new version, so the change is reviewed (with how many people it asks
    again) before it is published."""
    agreement = ConfidentialityAgreement.current()
    form = AgreementForm(
        request.POST if request.method == "POST" else None, initial={"text": agreement.text}
    )
    review = None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        unchanged = member_services.agreement_words(text) == member_services.agreement_words(
            agreement.text
        )
        if unchanged:
            messages.info(request, _("The words are the same: no one is asked to accept again."))
            return redirect("admin_agreement")
        if form.cleaned_data["reviewed"]:
            try:
                published = member_services.publish_agreement(text=text, by=request.user)
            except ValidationError as error:
                form.add_error("text", error)
            else:
                messages.success(
                    request,
                    _("Version %(version)s is in force. Participants accept it on their next page.")
                    % {"version": published.version},
                )
                return redirect("admin_agreement")
        else:
            review = {
                "version": agreement.version + 1,
                "asked_again": member_services.asked_to_accept_again(),
            }
    return render(
        request,
        "administration/agreement.html",
        {"form": form, "agreement": agreement, "review": review},
    )


@admin_only
def crisis_lines(request):
    """The lines on the crisis page: name, numbers to call and text, hours, website."""
    formset = CrisisLineFormSet(
        request.POST if request.method == "POST" else None, queryset=CrisisLine.objects.all()
    )
    if request.method == "POST" and formset.is_valid():
        kept = [
            {name: form.cleaned_data[name] for name in CrisisLineForm.Meta.fields}
            for form in formset.forms  # an empty extra row has no cleaned data
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        member_services.set_crisis_lines(lines=kept)
        messages.success(request, _("Crisis lines saved. The crisis page shows them now."))
        return redirect("admin_crisis_lines")
    return render(request, "administration/crisis_lines.html", {"formset": formset})


@admin_only
def reports_page(request):
    report = reports.cached_organisation_report(months=6)
    page = Paginator(report.groups, PAGE_SIZE).get_page(request.GET.get("page"))
    chart = bar_chart(
        [(row.group_name, row.rate) for row in page],
        label=_("Attendance rate per group over the last six months"),
    )
    return render(
        request, "administration/reports.html", {"report": report, "page": page, "chart": chart}
    )


@admin_only
def reports_csv(request):
    report = reports.cached_organisation_report(months=6)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="together-report.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "Group",
            *(m.strftime("%Y-%m") for m in report.months),
            "Attendance rate",
            "Active participants",
            "Retention (attended 75% or more)",
        ]
    )
    for row in report.groups:
        writer.writerow(
            [
                csv_safe(row.group_name),
                *(reports.as_percent(r) for r in row.monthly),
                reports.as_percent(row.rate),
                row.active,
                reports.as_percent(row.retention),
            ]
        )
    return response


@admin_only
def closure_requests(request):
    return render(
        request, "administration/closures.html", {"requests": queries.open_closure_requests()}
    )


@roles_required(Role.ADMIN, Role.FACILITATOR)
@require_POST
def closure_handled(request, request_id: int):
    closure = get_object_or_404(queries.closures_handled_by(request.user), pk=request_id)
    member_services.mark_closure_handled(closure=closure, by=request.user)
    messages.success(request, _("Marked as handled."))
    return redirect("admin_closures" if request.user.role == Role.ADMIN else "home")


@admin_only
def delivery_health(request):
    """Counts by kind, channel and state, texts' segments by month, the oldest pending message,
    recent errors: no bodies, no names, no addresses or numbers."""
    now = timezone.now()
    counts = queries.message_counts(since=now - timedelta(days=7))
    rows = [
        (
            _("%(kind)s (text)") % {"kind": kind.label}
            if channel == Notification.Channel.TEXT
            else kind.label,
            [counts.get((kind.code, channel), {}).get(state, 0) for state in Notification.State],
        )
        for kind in outbox.kinds()
        for channel in Notification.Channel
        if channel == Notification.Channel.EMAIL or kind.text or (kind.code, channel) in counts
    ]
    labels = {kind.code: kind.label for kind in outbox.kinds()}
    errors = queries.failed_messages()
    for error in errors:
        error.kind_label = labels.get(error.kind, error.kind)
    held_since = mark(OutboxMark.HELD)
    months = queries.texts_by_month(now)
    return render(
        request,
        "administration/delivery.html",
        {
            "rows": rows,
            "states": Notification.State.labels,
            "oldest": queries.oldest_waiting(),
            "errors": errors,
            "texts_by_month": months,
            "maybe_twice": sum(month["maybe_twice"] for month in months),
            "unreachable_since": mark(OutboxMark.MAIL_UNREACHABLE),
            "texts_unavailable_since": mark(OutboxMark.TEXTS_UNAVAILABLE),
            "held_since": held_since,
            "would_skip": held_since and queries.due_before(held_since),
        },
    )


@admin_only
@require_POST
def delivery_resume(request):
    """After a restore: send again, skipping what may already have gone out (reviewed on the
    page first: it says how many)."""
    skipped = delivery.resume()
    messages.success(
        request,
        ngettext(
            "Delivery resumed. %(skipped)s message due before the restore was skipped.",
            "Delivery resumed. %(skipped)s messages due before the restore were skipped.",
            skipped,
        )
        % {"skipped": skipped},
    )
    return redirect("admin_delivery")


@admin_only
def account_activity(request):
    page = Paginator(audit.account_trail(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "administration/activity.html", {"page": page})


@admin_only
def overdue_follow_ups(request):
    """Safety follow-ups waiting past the organisation's window: which group and how long,
    so an admin can reach its facilitators. Never who, why or any answer."""
    window = Organisation.current().follow_up_window_hours
    return render(
        request,
        "administration/overdue_follow_ups.html",
        {"overdue": list(measure_queries.overdue_follow_ups(window)), "window": window},
    )


@admin_only
def outcomes(request):
    """Outcomes per group and for the organisation: rates and counts, never a person."""
    return render(request, "administration/outcomes.html", {"rows": outcome_report()})


def _after_cells(row, months: int) -> tuple:
    answered, improved = row.after.get(months, (0, 0))
    return answered, reports.as_percent(row.share(improved, answered))


@admin_only
def outcomes_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="together-outcomes.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "Group",
            "Started",
            "People with scores",
            "Completion (first and latest)",
            "Reliable improvement",
            "Reliable deterioration",
            "Recovery",
            *(
                heading % months
                for months in AFTER_MONTHS
                for heading in ("Answered %s months after", "Reliably better %s months after")
            ),
        ]
    )
    for row in outcome_report():
        writer.writerow(
            [
                csv_safe(row.name),
                row.started.isoformat() if row.started else "",
                row.people,
                reports.as_percent(row.completion),
                reports.as_percent(row.improvement),
                reports.as_percent(row.deterioration),
                reports.as_percent(row.recovery),
                *(value for months in AFTER_MONTHS for value in _after_cells(row, months)),
            ]
        )
    return response
