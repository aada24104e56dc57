from django.urls import path

from accounts import views

urlpatterns = [
    path("accounts/overview/", views.account_overview, name="account_overview"),
    path("accounts/preferences/", views.preferences, name="preferences"),
    path("language/", views.choose_language, name="choose_language"),
    path("accounts/calendar/", views.calendar_settings, name="calendar_settings"),
    path("accounts/contact/", views.contact_details, name="contact_details"),
    path("accounts/texts/", views.text_messages, name="text_messages"),
    path("t/<token:token>/", views.text_link, name="text_link"),
    path("accounts/close/", views.close_account, name="close_account"),
]
