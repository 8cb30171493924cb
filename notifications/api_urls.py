from __future__ import annotations

from django.urls import path

from notifications import api

urlpatterns = [
    path("notifications/", api.NotificationListApi.as_view(), name="notifications"),
    path(
        "notifications/unread-count/",
        api.NotificationUnreadCountApi.as_view(),
        name="notifications_unread_count",
    ),
    path(
        "notifications/<int:pk>/read/",
        api.NotificationReadApi.as_view(),
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        api.NotificationReadAllApi.as_view(),
        name="notifications_read_all",
    ),
    path(
        "notifications/preferences/",
        api.NotificationPreferencesApi.as_view(),
        name="notification_preferences",
    ),
    path("threads/<int:pk>/watch/", api.ThreadWatchApi.as_view(), name="thread_watch"),
    path("categories/<int:pk>/watch/", api.CategoryWatchApi.as_view(), name="category_watch"),
    path("threads/<int:pk>/live/", api.ThreadLiveApi.as_view(), name="thread_live"),
]
