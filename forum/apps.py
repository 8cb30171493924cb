from django.apps import AppConfig


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = "Forum"

    def ready(self) -> None:
        # Register the event types so the outbox can load them back by name.
        from forum import events  # noqa: F401
