from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Register the outbox tasks with Celery in every process (web included), so
        # enqueue_on_commit can find them by name.
        from core import tasks  # noqa: F401
