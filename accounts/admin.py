from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


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
