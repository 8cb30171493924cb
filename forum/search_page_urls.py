"""The search page (``/search/``, URL name "search", outside any namespace)."""

from __future__ import annotations

from django.urls import path

from forum import search_views

urlpatterns = [path("search/", search_views.search_page, name="search")]
