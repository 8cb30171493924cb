"""Error types shared by every app's services; views and the API map them to 4xx."""

from __future__ import annotations

from django.core.exceptions import ValidationError

__all__ = ["Conflict", "NotFound", "PermissionDenied", "ValidationError"]


class ServiceError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class PermissionDenied(ServiceError):
    """The actor may not do this (HTTP 403)."""

    code = "permission_denied"


class NotFound(ServiceError):
    """The object does not exist or is not visible to the actor (HTTP 404)."""

    code = "not_found"


class Conflict(ServiceError):
    """The object is not in a state that allows this (HTTP 409)."""

    code = "conflict"
