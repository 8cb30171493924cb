"""Staff desk pages under /staff/ and the customer's "ask staff" target (namespace
"escalations")."""

from __future__ import annotations

from django.urls import path

from escalations import views

app_name = "escalations"

urlpatterns = [
    path("escalations/", views.queue, name="queue"),
    path("escalations/duty/", views.duty, name="duty"),
    path("escalations/<int:pk>/", views.case_detail, name="case"),
    path("escalations/<int:pk>/<str:action>/", views.case_action, name="case_action"),
    path("escalate/<int:thread_pk>/", views.escalate, name="escalate"),
    path("ask/<int:thread_pk>/", views.ask_staff, name="ask_staff"),
]
