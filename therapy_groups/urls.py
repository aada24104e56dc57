from django.urls import path

from therapy_groups import views

urlpatterns = [
    path("goals/<int:goal_id>/comment/", views.goal_comment, name="goal_comment"),
    path(
        "groups/<int:group_id>/participants/<int:participant_id>/suggest-goal/",
        views.goal_suggest,
        name="goal_suggest",
    ),
]
