from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListeningConfig(AppConfig):
    name = "listening"
    verbose_name = _("Listening")

    def ready(self) -> None:
        # Importing tasks registers them in every process (enqueue_on_commit looks them up).
        from listening import tasks  # noqa: F401
