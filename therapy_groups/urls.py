from django.urls import path

from therapy_groups import views

urlpatterns = [
    path("goals/new/", views.goal_new, name="goal_new"),
    path("goals/<int:goal_id>/", views.goal_detail, name="goal_detail"),
    path("goals/<int:goal_id>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<int:goal_id>/status/", views.goal_status, name="goal_status"),
    path("goals/<int:goal_id>/check-in/", views.goal_check_in, name="goal_check_in"),
    path("goals/<int:goal_id>/comment/", views.goal_comment, name="goal_comment"),
    path(
        "groups/<int:group_id>/participants/<int:participant_id>/suggest-goal/",
        views.goal_suggest,
        name="goal_suggest",
    ),
]
