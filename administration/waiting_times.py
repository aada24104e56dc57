"""Waiting times from referral, for admins: counts and days, never a name (pathways.reports)."""

import csv

from django.http import HttpResponse
from django.shortcuts import render

from core.csv_safety import csv_safe
from members.access import roles_required
from members.models import Role
from pathways.reports import waiting_times
from sessions.reports import as_percent

admin_only = roles_required(Role.ADMIN)


@admin_only
def waiting_times_page(request):
    return render(request, "administration/waiting_times.html", {"times": waiting_times()})


@admin_only
def waiting_times_csv(request):
    times = waiting_times()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="together-waiting-times.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "Group",
            "Referred",
            "Screened",
            "Median days to screening",
            "Started",
            "Median days to first session",
            "Started within 6 weeks",
            "Started within 18 weeks",
            "Still waiting",
            "Waiting over 6 weeks",
        ]
    )
    for waits in [times.organisation, *times.groups]:
        writer.writerow(
            [
                csv_safe(waits.name) or "All referrals",
                waits.referred,
                waits.screened,
                "" if waits.median_to_screening is None else waits.median_to_screening,
                waits.started,
                "" if waits.median_to_first_session is None else waits.median_to_first_session,
                as_percent(waits.within_6_weeks),
                as_percent(waits.within_18_weeks),
                len(waits.waiting),
                waits.waiting_over_6_weeks,
            ]
        )
    return response
