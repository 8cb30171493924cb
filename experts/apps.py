from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpertsConfig(AppConfig):
    name = "experts"
    verbose_name = _("Experts")

    def ready(self) -> None:
        from core.events import subscribe
        from experts import handlers, tasks  # noqa: F401 - registers the Celery tasks
        from forum import events

        subscribe(events.AnswerAccepted, "experts.record_acceptance", handlers.on_answer_accepted)
        subscribe(
            events.AnswerUnaccepted, "experts.forget_acceptance", handlers.on_answer_unaccepted
        )
        subscribe(events.PostHidden, "experts.post_hidden", handlers.on_post_hidden)
        subscribe(events.PostCreated, "experts.count_answer", handlers.on_post_created)
        subscribe(events.ThreadCreated, "experts.route_question", handlers.on_thread_created)

        from accounts.privacy import register_eraser, register_exporter
        from experts import privacy

        register_exporter("experts", privacy.export_user)
        register_eraser("experts", privacy.erase_user)
