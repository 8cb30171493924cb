"""Escalation endpoints, included into ``/api/v1/`` (namespace "api") by config.urls."""

from __future__ import annotations

from django.urls import path

from escalations import api

urlpatterns = [
    path("escalations/cases/", api.CaseListCreateApi.as_view(), name="escalation_cases"),
    path("escalations/cases/<int:pk>/", api.CaseDetailApi.as_view(), name="escalation_case"),
    path("escalations/cases/<int:pk>/claim/", api.CaseClaimApi.as_view(), name="escalation_claim"),
    path(
        "escalations/cases/<int:pk>/assign/",
        api.CaseAssignApi.as_view(),
        name="escalation_assign",
    ),
    path(
        "escalations/cases/<int:pk>/unassign/",
        api.CaseUnassignApi.as_view(),
        name="escalation_unassign",
    ),
    path("escalations/cases/<int:pk>/wait/", api.CaseWaitApi.as_view(), name="escalation_wait"),
    path(
        "escalations/cases/<int:pk>/resolve/",
        api.CaseResolveApi.as_view(),
        name="escalation_resolve",
    ),
    path(
        "escalations/cases/<int:pk>/reopen/",
        api.CaseReopenApi.as_view(),
        name="escalation_reopen",
    ),
    path(
        "escalations/cases/<int:pk>/answer/",
        api.CaseAnswerApi.as_view(),
        name="escalation_answer",
    ),
    path(
        "escalations/cases/<int:pk>/notes/",
        api.CaseNoteListCreateApi.as_view(),
        name="escalation_notes",
    ),
    path("escalations/duty/", api.StaffDutyApi.as_view(), name="escalation_duty"),
    path(
        "escalations/threads/<int:pk>/ask-staff/",
        api.ThreadAskStaffApi.as_view(),
        name="escalation_ask_staff",
    ),
    path("escalations/deliveries/", api.DeliveryListApi.as_view(), name="escalation_deliveries"),
    path(
        "escalations/deliveries/<int:pk>/redeliver/",
        api.DeliveryRedeliverApi.as_view(),
        name="escalation_redeliver",
    ),
    path("escalations/inbound/", api.InboundWebhookApi.as_view(), name="escalation_inbound"),
]
