from django.urls import path

from members import text_replies, views

urlpatterns = [
    path("invitations/<token:token>/", views.invitation_accept, name="invitation_accept"),
    path("accounts/overview/", views.account_overview, name="account_overview"),
    path("help/crisis/", views.crisis_resources, name="crisis_resources"),
    path("accounts/preferences/", views.preferences, name="preferences"),
    path("language/", views.choose_language, name="choose_language"),
    path("accounts/calendar/", views.calendar_settings, name="calendar_settings"),
    path("accounts/contact/", views.contact_details, name="contact_details"),
    path("accounts/texts/", views.text_messages, name="text_messages"),
    path("t/<token:token>/", views.text_link, name="text_link"),
    path("texts/replies/", text_replies.text_reply, name="text_reply"),
    path("texts/status/", text_replies.text_status, name="text_status"),
    path("accounts/close/", views.close_account, name="close_account"),
    path("accounts/keep-alive/", views.keep_alive, name="keep_alive"),
]
