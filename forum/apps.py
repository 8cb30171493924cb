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
