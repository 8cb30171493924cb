from __future__ import annotations

from django.urls import path

from experts import api

urlpatterns = [
    path("experts/leaderboard/", api.LeaderboardApi.as_view(), name="experts-leaderboard"),
    path("experts/users/<str:username>/", api.ExpertDetailApi.as_view(), name="experts-detail"),
    path("experts/for-me/", api.QuestionsForMeApi.as_view(), name="experts-for-me"),
    path("experts/availability/", api.AvailabilityApi.as_view(), name="experts-availability"),
]
