from __future__ import annotations

from django.urls import path

from experts import views

app_name = "experts"
urlpatterns = [
    path("", views.leaderboard, name="leaderboard"),
    path("c/<slug:slug>/", views.category_leaderboard, name="category_leaderboard"),
    path("u/<str:username>/", views.expert_profile, name="profile"),
    path("for-you/", views.questions_for_you, name="for_you"),
    path("availability/", views.availability, name="availability"),
]
