"""Moderation pages under /moderation/ (namespace "moderation")."""

from __future__ import annotations

from django.urls import path

from forum import moderation_views as views

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("log/", views.audit_log, name="log"),
    path("log.csv", views.audit_log_csv, name="log_csv"),
    path("me/", views.my_status, name="my_status"),
    path("t/<int:pk>/flag/", views.flag_thread, name="flag_thread"),
    path("a/<int:pk>/flag/", views.flag_post, name="flag_post"),
    path("t/<int:pk>/manage/", views.thread_manage, name="thread_manage"),
    path("t/<int:pk>/<str:action>/", views.thread_action, name="thread_action"),
    path("a/<int:pk>/<str:action>/", views.post_action, name="post_action"),
    path("u/<str:username>/sanction/", views.sanction, name="sanction"),
    path("sanctions/<int:pk>/lift/", views.sanction_lift, name="sanction_lift"),
]
