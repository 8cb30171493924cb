from django.apps import AppConfig


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = "Forum"

    def ready(self) -> None:
        # Register the event types so the outbox can load them back by name.
        from forum import events  # noqa: F401

        # Forum keeps its own search index fresh from its own events (forum/search/handlers.py).
        from forum.search import handlers as search_handlers
        from forum.search import tasks as search_tasks  # noqa: F401  (registers the task)

        search_handlers.register()

        # Moderation: new accounts' posts may be held for review; the sanction-expiry task.
        from forum.moderation import handlers as moderation_handlers
        from forum.moderation import tasks as moderation_tasks  # noqa: F401

        moderation_handlers.register()

        from accounts.privacy import register_eraser, register_exporter
        from forum import privacy

        register_exporter("forum", privacy.export_user)
        register_eraser("forum", privacy.erase_user)
