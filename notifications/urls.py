from __future__ import annotations

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("settings/", views.preferences, name="preferences"),
    path("watch/thread/<int:pk>/", views.thread_watch, name="watch_thread"),
    path("watch/category/<slug:slug>/", views.category_watch, name="watch_category"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("inbound-mail/", views.inbound_mail, name="inbound_mail"),
]
