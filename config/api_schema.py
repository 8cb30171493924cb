"""The schema class for drf-spectacular (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``).

A module of its own, importing neither core.api nor drf_spectacular.views: DRF imports this
class while those modules are still being imported, and anything more would be circular.
"""

from __future__ import annotations

from drf_spectacular import openapi
from rest_framework import serializers


class AutoSchema(openapi.AutoSchema):
    """Names the nested serializers of our views after their view.

    Every view has its own ``InputSerializer``/``OutputSerializer``; by class name alone
    they would all become the components "Input" and "Output" and collide. A nested
    ``LeaderboardApi.OutputSerializer`` becomes "LeaderboardOutput" instead. A
    ``Meta.ref_name`` still wins (drf-spectacular checks it before asking this method).
    """

    def get_serializer_name(self, serializer: serializers.Serializer, direction: str) -> str:
        parts = type(serializer).__qualname__.split(".")
        if len(parts) > 1 and "<locals>" not in parts:
            # ExpertDetailApi.OutputSerializer.Accepted -> ExpertDetailOutputAccepted
            return "".join(part.removesuffix("Api").removesuffix("Serializer") for part in parts)
        return super().get_serializer_name(serializer, direction)
