"""Account endpoints under ``/api/v1/`` (namespace "api", included by config.urls)."""

from __future__ import annotations

from django.urls import path

from accounts import api

urlpatterns = [
    path("me/", api.MeApi.as_view(), name="me"),
    path("auth/token/", api.AuthTokenCreateApi.as_view(), name="auth_token"),
    path("me/exports/", api.MeDataExportApi.as_view(), name="me_exports"),
    path("me/erase/", api.MeEraseApi.as_view(), name="me_erase"),
    path("users/<int:pk>/erase/", api.UserEraseApi.as_view(), name="user_erase"),
]
