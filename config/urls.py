from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from config import views

# Django admin signs people in through allauth: one login page, with its rate limits and MFA.
admin.site.login = login_required(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("", include("sessions.urls")),
    path("", include("therapy_groups.urls")),
    path("django-admin/", admin.site.urls),
]
