from django.urls import path

from administration import views, waiting_times

urlpatterns = [
    path("admin/therapists/", views.therapists, name="admin_therapists"),
    path(
        "admin/therapists/<int:user_id>/access/",
        views.therapist_access,
        name="admin_therapist_access",
    ),
    path("admin/groups/", views.groups, name="admin_groups"),
    path("admin/groups/new/", views.group_create, name="admin_group_create"),
    path(
        "admin/groups/<int:group_id>/facilitators/",
        views.group_facilitators,
        name="admin_group_facilitators",
    ),
    path("admin/settings/", views.organisation_settings, name="admin_settings"),
    path("admin/settings/crisis-lines/", views.crisis_lines, name="admin_crisis_lines"),
    path("admin/settings/agreement/", views.group_agreement, name="admin_agreement"),
    path("admin/reports/", views.reports_page, name="admin_reports"),
    path("admin/reports.csv", views.reports_csv, name="admin_reports_csv"),
    path("admin/waiting-times/", waiting_times.waiting_times_page, name="admin_waiting_times"),
    path(
        "admin/waiting-times.csv",
        waiting_times.waiting_times_csv,
        name="admin_waiting_times_csv",
    ),
    path("admin/outcomes/", views.outcomes, name="admin_outcomes"),
    path("admin/outcomes.csv", views.outcomes_csv, name="admin_outcomes_csv"),
    path("admin/closures/", views.closure_requests, name="admin_closures"),
    path("admin/activity/", views.account_activity, name="admin_activity"),
    path("closures/<int:request_id>/handled/", views.closure_handled, name="closure_handled"),
    path("admin/delivery/", views.delivery_health, name="admin_delivery"),
    path("admin/follow-ups/overdue/", views.overdue_follow_ups, name="overdue_follow_ups"),
    path("admin/delivery/resume/", views.delivery_resume, name="admin_delivery_resume"),
]
