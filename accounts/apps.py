from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender: AppConfig, **kwargs: object) -> None:
    # Groups must exist before anyone signs up; post_migrate runs after every migrate,
    # including the test database's, so no environment is ever without them.
    from accounts.services import roles_sync

    roles_sync()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="accounts.sync_roles")
        # Registers the privacy tasks in every process (enqueue_on_commit looks them up).
        from accounts import tasks  # noqa: F401
