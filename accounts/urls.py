from __future__ import annotations

from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("settings/", views.preferences, name="preferences"),
    path("settings/privacy/", views.privacy_page, name="privacy"),
    path("settings/privacy/download/<str:token>/", views.privacy_download, name="privacy_download"),
    path("settings/erase/", views.erase_account, name="erase"),
    path("staff/erase-user/<int:pk>/", views.erase_user, name="erase_user"),
    path("legal/<slug:slug>/", views.legal_page, name="legal"),
]
