from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import LegalPage, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "email",
        "display_name",
        "is_staff",
        "is_imported",
        "date_joined",
        "last_login",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "is_imported", "groups"]
    search_fields = ["username", "email", "display_name"]
    ordering = ["-date_joined"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Community"),
            {
                "fields": (
                    "display_name",
                    "locale",
                    "time_zone",
                    "is_imported",
                    "external_ref",
                    "signup_ip",
                )
            },
        ),
    )


@admin.register(LegalPage)
class LegalPageAdmin(admin.ModelAdmin):
    """Privacy policy and imprint: community managers edit them here (Markdown)."""

    list_display = ["title", "slug", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}
