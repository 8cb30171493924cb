from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from forum.models import Category, Post, PostComment, Revision, Tag, Thread, Vote


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "position",
        "is_active",
        "thread_count",
        "solved_count",
        "unanswered_count",
    ]
    list_editable = ["position", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["thread_count", "solved_count", "unanswered_count"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class PostInline(admin.TabularInline):
    model = Post
    fields = [
        "author",
        "created_at",
        "score",
        "is_accepted",
        "is_official",
        "is_hidden",
        "is_deleted",
    ]
    readonly_fields = ["author", "created_at", "score", "is_accepted"]
    extra = 0
    show_change_link = True


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "category",
        "author",
        "status",
        "answer_count",
        "created_at",
        "is_hidden",
        "is_locked",
    ]
    list_filter = ["status", "category", "is_hidden", "is_locked", "is_deleted"]
    search_fields = ["title", "author__email", "author__display_name"]
    date_hierarchy = "created_at"
    list_select_related = ["category", "author"]
    raw_id_fields = ["author", "accepted_answer", "merged_into"]
    readonly_fields = [
        "answer_count",
        "score",
        "view_count",
        "accepted_answer",
        "first_answer_at",
        "solved_at",
    ]
    filter_horizontal = ["tags"]
    inlines = [PostInline]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "thread",
        "author",
        "score",
        "is_accepted",
        "is_official",
        "is_hidden",
        "created_at",
    ]
    list_filter = ["is_accepted", "is_official", "is_hidden", "is_deleted"]
    search_fields = ["body_md", "author__email"]
    list_select_related = ["thread", "author"]
    raw_id_fields = ["thread", "author", "accepted_by"]
    readonly_fields = [
        "score",
        "upvotes",
        "downvotes",
        "is_accepted",
        "accepted_at",
        "accepted_by",
        "body_html",
    ]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["post", "user", "value", "created_at"]
    raw_id_fields = ["post", "user"]
    list_select_related = ["post", "user"]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["thread", "post", "number", "author", "created_at"]
    raw_id_fields = ["thread", "post", "author"]
    list_select_related = ["thread", "author"]


@admin.register(PostComment)
class PostCommentAdmin(admin.ModelAdmin):
    """Imported comments: read-only here (they are history, written only by the importer).
    Deleting stays possible, for what must not be shown at all."""

    list_display = ["id", "thread", "post", "source_author", "score", "created_at"]
    list_select_related = ["thread"]
    search_fields = ["text", "source_author", "external_ref"]
    date_hierarchy = "created_at"
    raw_id_fields = ["thread", "post", "author"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
