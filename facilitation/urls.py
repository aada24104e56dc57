from django.urls import path

from facilitation import follow_ups, goals, measures, notes, records, referrals, views

urlpatterns = [
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:group_id>/", views.group_detail, name="group_detail"),
    path("groups/<int:group_id>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:group_id>/status/", views.group_status, name="group_status"),
    path("groups/<int:group_id>/invite/", views.group_invite, name="group_invite"),
    path(
        "groups/<int:group_id>/enrollments/<int:enrollment_id>/end/",
        views.enrollment_end,
        name="enrollment_end",
    ),
    path(
        "groups/<int:group_id>/enrollments/<int:enrollment_id>/confirm-seat/",
        views.seat_confirm,
        name="seat_confirm",
    ),
    path("groups/<int:group_id>/attendance/", views.attendance_grid, name="attendance_grid"),
    path("groups/<int:group_id>/attendance.csv", views.attendance_csv, name="attendance_csv"),
    path("groups/<int:group_id>/record-log/", views.group_audit, name="group_audit"),
    path("groups/<int:group_id>/measures/", measures.group_measures, name="group_measures"),
    path("groups/<int:group_id>/outcomes/", measures.group_outcomes, name="group_outcomes"),
    path(
        "groups/<int:group_id>/participants/<int:participant_id>/",
        views.participant_record,
        name="participant_record",
    ),
    path("people/<int:person_id>/record/", records.person_record, name="person_record"),
    path("referrals/", referrals.referral_list, name="referral_list"),
    path("referrals/new/", referrals.referral_new, name="referral_new"),
    path("referrals/<int:referral_id>/", referrals.referral_detail, name="referral_detail"),
    path(
        "referrals/<int:referral_id>/<slug:step>/",
        referrals.referral_step,
        name="referral_step",
    ),
    path(
        "groups/<int:group_id>/participants/<int:participant_id>/questionnaires.fhir.json",
        views.participant_measures_fhir,
        name="participant_measures_fhir",
    ),
    path("groups/<int:group_id>/sessions/new/", views.session_schedule, name="session_schedule"),
    path("sessions/<int:session_id>/", views.session_detail, name="session_detail"),
    path("sessions/<int:session_id>/change/", views.session_change, name="session_change"),
    path("sessions/<int:session_id>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<int:session_id>/status/", views.session_status, name="session_status"),
    path("sessions/<int:session_id>/plan/", views.session_plan, name="session_plan"),
    path("sessions/<int:session_id>/check-in-now/", measures.check_in_now, name="check_in_now"),
    path(
        "sessions/<int:session_id>/attendance/all-present/",
        views.attendance_all_present,
        name="attendance_all_present",
    ),
    path(
        "sessions/<int:session_id>/attendance/<int:participant_id>/",
        views.attendance_mark,
        name="attendance_mark",
    ),
    path("sessions/<int:session_id>/note/", notes.group_note, name="group_note"),
    path("sessions/<int:session_id>/note/sign/", notes.notes_sign, name="notes_sign"),
    path("sessions/<int:session_id>/note/addendum/", notes.addendum, name="group_note_addendum"),
    path(
        "sessions/<int:session_id>/participants/<int:participant_id>/note/",
        notes.individual_note,
        name="individual_note",
    ),
    path(
        "sessions/<int:session_id>/participants/<int:participant_id>/note/addendum/",
        notes.addendum,
        name="individual_note_addendum",
    ),
    path("goals/<int:goal_id>/comment/", goals.goal_comment, name="goal_comment"),
    path("follow-ups/", follow_ups.follow_up_list, name="follow_up_list"),
    path("follow-ups/<int:follow_up_id>/", follow_ups.follow_up_detail, name="follow_up_detail"),
    path(
        "follow-ups/<int:follow_up_id>/tried/",
        follow_ups.follow_up_attempt,
        name="follow_up_attempt",
    ),
    path(
        "follow-ups/<int:follow_up_id>/acknowledge/",
        follow_ups.follow_up_acknowledge,
        name="follow_up_acknowledge",
    ),
    path(
        "groups/<int:group_id>/participants/<int:participant_id>/suggest-goal/",
        goals.goal_suggest,
        name="goal_suggest",
    ),
]
