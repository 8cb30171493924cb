"""Forum endpoints under ``/api/v1/`` (namespace "api", included by config.urls)."""

from __future__ import annotations

from django.urls import path

from forum import api

urlpatterns = [
    path("categories/", api.CategoryListApi.as_view(), name="categories"),
    path("threads/", api.ThreadListCreateApi.as_view(), name="threads"),
    path("threads/<int:pk>/", api.ThreadDetailUpdateApi.as_view(), name="thread"),
    path("threads/<int:pk>/answers/", api.AnswerListCreateApi.as_view(), name="thread_answers"),
    path("threads/<int:pk>/comments/", api.ThreadCommentListApi.as_view(), name="thread_comments"),
    path("threads/<int:pk>/accept/", api.ThreadAcceptApi.as_view(), name="thread_accept"),
    path("threads/<int:pk>/unaccept/", api.ThreadUnacceptApi.as_view(), name="thread_unaccept"),
    path("answers/<int:pk>/", api.AnswerDetailUpdateApi.as_view(), name="answer"),
    path("answers/<int:pk>/vote/", api.AnswerVoteApi.as_view(), name="answer_vote"),
]
