from __future__ import annotations

from django.urls import path

from forum import views

app_name = "forum"
urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.category_detail, name="category"),
    path("ask/", views.ask, name="ask"),
    path("t/<int:pk>/", views.thread_detail, name="thread"),
    path("t/<int:pk>/edit/", views.thread_edit, name="thread_edit"),
    path("t/<int:pk>/answer/", views.answer_create, name="answer_create"),
    path("t/<int:pk>/accept/<int:post_pk>/", views.accept, name="accept"),
    path("t/<int:pk>/unaccept/", views.unaccept, name="unaccept"),
    path("t/<int:pk>/revisions/", views.thread_revisions, name="thread_revisions"),
    path("a/<int:pk>/", views.post_detail, name="post"),
    path("a/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("a/<int:pk>/vote/", views.vote, name="vote"),
    path("u/<str:username>/", views.profile, name="profile"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
]
