from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the tasks in every process (web included): enqueue_on_commit looks them
        # up by name in the Celery registry.
        from notifications import handlers, tasks  # noqa: F401

        handlers.register()
        from accounts.privacy import register_eraser, register_exporter
        from notifications import privacy

        register_exporter("notifications", privacy.export_user)
        register_eraser("notifications", privacy.erase_user)
