"""Queue Celery tasks only after the surrounding transaction commits."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Send ``task_name`` after commit (at once outside a transaction).

    Tasks take ids and JSON primitives only. A failing broker call is logged, not raised:
    the request has already committed, and every caller has a sweep that finds the work
    again (the outbox redispatch for events, state-based sweeps elsewhere).
    """

    def send() -> None:
        from config.celery import app

        try:
            # Through the registered task (not send_task) so CELERY_TASK_ALWAYS_EAGER applies.
            app.tasks[task_name].apply_async(args=args, kwargs=kwargs)
        except Exception:
            logger.exception("could not queue %s%r; the periodic sweep will retry", task_name, args)

    transaction.on_commit(send, robust=False)
