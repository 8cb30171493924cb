"""Listening endpoints, included into ``/api/v1/`` (namespace "api") by config.urls."""

from __future__ import annotations

from django.urls import path

from listening import api

urlpatterns = [
    path("listening/items/", api.ItemListApi.as_view(), name="listening_items"),
    path("listening/items/<int:pk>/", api.ItemDetailApi.as_view(), name="listening_item"),
    path(
        "listening/items/<int:pk>/actions/",
        api.ItemActionApi.as_view(),
        name="listening_item_act",
    ),
    path("listening/sources/", api.SourceListApi.as_view(), name="listening_sources"),
    path(
        "listening/sources/<int:pk>/poll/",
        api.SourcePollApi.as_view(),
        name="listening_source_poll",
    ),
    path("listening/stats/", api.StatsApi.as_view(), name="listening_stats"),
    path(
        "listening/inbound/<int:pk>/mentions/",
        api.MentionInboundApi.as_view(),
        name="listening_inbound_mentions",
    ),
    path(
        "listening/inbound/<int:pk>/mail/",
        api.MailInboundApi.as_view(),
        name="listening_inbound_mail",
    ),
]
