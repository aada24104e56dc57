from django.urls import path

from participation import (
    check_in,
    goals,
    handouts,
    letters,
    measures,
    questionnaire_links,
    referral,
    views,
    worksheets,
)

urlpatterns = [
    path("agreement/", views.agreement, name="agreement"),
    # Short, to print on a leaflet: /refer/
    path("refer/", referral.self_referral, name="self_referral"),
    path("refer/thanks/", referral.self_referral_thanks, name="self_referral_thanks"),
    path("places/<int:enrollment_id>/answer/", views.place_answer, name="place_answer"),
    path(
        "sessions/<int:session_id>/cant-make-it/",
        views.cant_make_it,
        name="cant_make_it",
    ),
    path(
        "sessions/<int:session_id>/can-come/",
        views.can_come_after_all,
        name="can_come_after_all",
    ),
    path("sessions/<int:session_id>/calendar.ics", views.session_ics, name="session_ics"),
    path("sessions/<int:session_id>/take-home/", views.take_home_done, name="take_home_done"),
    path("sessions/<int:session_id>/worksheet/", worksheets.worksheet, name="worksheet"),
    path("calendar/<token:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("accounts/my-data/", views.my_data, name="my_data"),
    path("accounts/my-data.json", views.my_data_json, name="my_data_json"),
    path(
        "accounts/my-letters/<int:summary_id>.pdf",
        letters.my_discharge_letter,
        name="my_discharge_letter",
    ),
    path("goals/new/", goals.goal_new, name="goal_new"),
    path("goals/<int:goal_id>/", goals.goal_detail, name="goal_detail"),
    path("goals/<int:goal_id>/edit/", goals.goal_edit, name="goal_edit"),
    path("goals/<int:goal_id>/status/", goals.goal_status, name="goal_status"),
    path("goals/<int:goal_id>/check-in/", goals.goal_check_in, name="goal_check_in"),
    path("check-in/<token:token>/", check_in.goal_prompt_check_in, name="goal_prompt_check_in"),
    # Short, to type from a screen in the room: /c/1234/
    path("c/<int:session_id>/", measures.measure_check_in, name="measure_check_in"),
    path("c/<int:session_id>/done/", measures.measure_done, name="measure_done"),
    path("my-scores/", measures.my_scores, name="my_scores"),
    path("handouts/", handouts.my_handouts, name="my_handouts"),
    path("handouts/<int:handout_id>/file", handouts.handout_file, name="handout_file"),
    path("m/<token:token>/", measures.measure_link, name="measure_link"),
    path("s/<token:token>/", questionnaire_links.screening_link, name="screening_link"),
    path("b/<token:token>/", questionnaire_links.booster_link, name="booster_link"),
]
