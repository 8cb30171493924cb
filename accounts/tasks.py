"""Celery entry points of accounts (privacy): take ids, call one function."""

from __future__ import annotations

from celery import shared_task

from accounts import privacy


@shared_task(name="accounts.tasks.build_data_export", acks_late=True, time_limit=600)
def build_data_export(export_id: int) -> bool:
    """Safe to run twice: a ready export is left alone."""
    return privacy.data_export_build(export_id=export_id)


@shared_task(name="accounts.tasks.purge_ip_addresses", time_limit=600)
def purge_ip_addresses() -> dict[str, int]:
    return privacy.ip_addresses_purge()


@shared_task(name="accounts.tasks.delete_expired_exports")
def delete_expired_exports() -> int:
    return privacy.data_exports_delete_expired()
