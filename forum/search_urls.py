"""API routes of search and deflection, included into config.urls' ``api_v1`` list."""

from __future__ import annotations

from django.urls import path

from forum import search_api

urlpatterns = [
    path("search/", search_api.SearchApi.as_view(), name="search"),
    path("search/similar/", search_api.SimilarThreadsApi.as_view(), name="search_similar"),
    path(
        "search/deflections/",
        search_api.DeflectionCreateApi.as_view(),
        name="search_deflection_create",
    ),
]
