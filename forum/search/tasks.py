"""Celery entry point of the search index (registered by forum.apps)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="forum.search.reindex_thread", max_retries=3)
def reindex_thread(thread_id: int) -> None:
    # Rebuilding one thread's entry from its rows is naturally idempotent.
    from forum.search import search_reindex_threads

    search_reindex_threads(thread_ids=[thread_id])
