"""Staff listening pages under /staff/listening/ (namespace "listening")."""

from __future__ import annotations

from django.urls import path

from listening import views

app_name = "listening"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/act/", views.item_act, name="item_act"),
    path("sources/", views.sources, name="sources"),
    path("sources/<int:pk>/poll/", views.source_poll, name="source_poll"),
]
