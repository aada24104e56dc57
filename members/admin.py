from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import Http404

from members.models import Invitation, Organisation, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Repairs account data. Never sets a password (people reset theirs by email) and never
    creates accounts (they come from invitations), so no admin can sign in as someone else."""

    ordering = ["email"]
    list_display = ["email", "display_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_superuser"]
    search_fields = ["email", "display_name", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email"]}),
        ("Person", {"fields": ["display_name", "first_name", "last_name", "role", "timezone"]}),
        ("Notifications", {"fields": ["session_reminders", "goal_prompts"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    # The address people sign in with changes only through their own account page.
    readonly_fields = ["email", "last_login", "date_joined"]

    def has_add_permission(self, request) -> bool:
        return False

    def user_change_password(self, request, id, form_url=""):
        raise Http404("Passwords are reset by email, never set in Django admin.")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only (members.admin_site.IDENTITY): an invitation decides who signs up as what."""

    list_display = ["email", "role", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email"]


admin.site.register(Organisation)
