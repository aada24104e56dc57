from django.contrib import admin
from django.urls import include, path, register_converter

from config import views
from core.converters import Token
from members import second_step

register_converter(Token, "token")  # before the includes below read their patterns

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # allauth's TOTP set-up, recording that this session passed the second step.
    path("accounts/2fa/totp/activate/", second_step.enrol_totp, name="mfa_activate_totp"),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("", include("accounts.urls")),
    path("", include("facilitation.urls")),
    path("", include("administration.urls")),
    path("", include("participation.urls")),
    path("django-admin/", admin.site.urls),
]
