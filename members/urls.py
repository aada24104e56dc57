from django.urls import path

from members import text_replies, views

urlpatterns = [
    path("invitations/<token:token>/", views.invitation_accept, name="invitation_accept"),
    path("help/crisis/", views.crisis_resources, name="crisis_resources"),
    path("texts/replies/", text_replies.text_reply, name="text_reply"),
    path("texts/status/", text_replies.text_status, name="text_status"),
    path("accounts/keep-alive/", views.keep_alive, name="keep_alive"),
]
