"""Importers of other communities' history into the forum (see ``stackexchange``).

Imported history is written directly with ``bulk_create`` and publishes no events: nobody
is rewarded or notified for the past.
"""
