from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationsConfig(AppConfig):
    name = "escalations"
    verbose_name = _("Escalations")

    def ready(self) -> None:
        from core.events import subscribe

        # Importing tasks registers them in every process (enqueue_on_commit looks them up).
        from escalations import handlers, tasks  # noqa: F401
        from forum import events

        subscribe(events.ThreadCreated, "escalations.start_clock", handlers.start_clock)
        subscribe(events.PostCreated, "escalations.post_created", handlers.post_created)
        subscribe(events.AnswerAccepted, "escalations.answer_accepted", handlers.answer_accepted)
        subscribe(events.ThreadClosed, "escalations.thread_closed", handlers.thread_closed)
        subscribe(events.ThreadReopened, "escalations.thread_reopened", handlers.thread_reopened)
        subscribe(
            events.AnswerUnaccepted, "escalations.answer_unaccepted", handlers.answer_unaccepted
        )
        from accounts.privacy import register_eraser, register_exporter
        from escalations import privacy

        register_exporter("escalation_cases", privacy.export_user)
        register_eraser("escalation_cases", privacy.erase_user)
