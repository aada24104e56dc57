from django.contrib import admin
from django.urls import include, path

from config import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("", include("sessions.urls")),
    path("", include("therapy_groups.urls")),
    path("django-admin/", admin.site.urls),
]
