"""Version numbers of thread pages, for the anonymous page cache (core.page_cache).

Every forum write that changes what a thread page shows bumps its version after commit,
so anonymous visitors get the new page on their next request while a busy thread is
served from the cache without touching the database. Writes that forget to bump are
still bounded by the cache timeout.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

_KEY = "forum:thread-page-version:{}"


def thread_page_version(thread_id: int) -> int:
    return cache.get(_KEY.format(thread_id), 0)


def _bump(thread_id: int) -> None:
    key = _KEY.format(thread_id)
    try:
        cache.incr(key)
    except ValueError:
        # No version yet: start one. A racing bump may be lost, which only means one more
        # cache miss, never a stale page (the key still changed from 0).
        cache.set(key, 1, timeout=None)


def thread_page_changed(thread_id: int) -> None:
    """Bump the page version now and again once the surrounding transaction commits.

    The first bump makes the change visible to the writer's own next request even before
    the after-commit hooks run; the second closes the race in which another visitor
    re-caches the old page between the first bump and the commit. A rollback only costs
    one needless cache miss.
    """
    _bump(thread_id)
    transaction.on_commit(lambda: _bump(thread_id))
