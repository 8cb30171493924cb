from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = "Rewards"

    def ready(self) -> None:
        from core.events import subscribe
        from forum.events import AnswerAccepted, AnswerUnaccepted, PostHidden

        # Import the tasks so enqueue_on_commit finds them by name in every process.
        from rewards import handlers, tasks  # noqa: F401

        subscribe(AnswerAccepted, "rewards.answer_accepted", handlers.on_answer_accepted)
        subscribe(AnswerUnaccepted, "rewards.answer_unaccepted", handlers.on_answer_unaccepted)
        subscribe(PostHidden, "rewards.post_hidden", handlers.on_post_hidden)

        from accounts.privacy import register_eraser, register_exporter
        from rewards import privacy

        register_exporter("rewards", privacy.export_user)
        register_eraser("rewards", privacy.erase_user)
