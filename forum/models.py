"""Categories, tags, threads (questions), posts (answers), votes, revisions and imported
comments.

Denormalised fields (counters, ``accepted_answer``, ``last_activity_at``) are maintained
by ``forum.services`` with ``F()`` updates and can be recomputed by
``forum.synchronize`` / ``manage.py forum_repair``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Denormalised, repaired by forum_repair.
    thread_count = models.PositiveIntegerField(default=0, editable=False)
    solved_count = models.PositiveIntegerField(default=0, editable=False)
    unanswered_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forum:category", kwargs={"slug": self.slug})


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SourceFormat(models.TextChoices):
    """What ``body_md`` holds: Markdown typed here, or sanitized HTML kept from an import
    (so an edit of an imported post re-sanitizes it instead of escaping its tags)."""

    MARKDOWN = "markdown", _("Markdown")
    HTML = "html", _("HTML")


class ImportSource(models.Model):
    """A community whose history was imported (e.g. a Stack Exchange site dump)."""

    key = models.CharField(_("key"), max_length=100, unique=True)  # e.g. "se:beer"
    name = models.CharField(_("name"), max_length=200)
    base_url = models.URLField(_("base URL"))
    licence_url = models.URLField(_("licence URL"), blank=True)
    imported_at = models.DateTimeField(_("last imported"), null=True, blank=True)

    class Meta:
        verbose_name = _("import source")
        verbose_name_plural = _("import sources")

    def __str__(self) -> str:
        return self.name


class Attributed(models.Model):
    """Where imported content came from, shown with it (forum/_attribution.html) as its
    licence requires; blank for content written here."""

    source_url = models.URLField(_("original"), blank=True)
    source_author = models.CharField(_("original author"), max_length=200, blank=True)
    source_licence = models.CharField(_("licence"), max_length=40, blank=True)

    class Meta:
        abstract = True


class ThreadStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    SOLVED = "solved", _("Solved")
    ESCALATED = "escalated", _("Escalated to staff")
    CLOSED = "closed", _("Closed")


class Thread(Attributed):
    """A question: title, body, tags, and the answers below it."""

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="threads")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads"
    )
    title = models.CharField(_("title"), max_length=200)
    body_md = models.TextField(_("question"))
    body_html = models.TextField(editable=False)
    tags = models.ManyToManyField(Tag, related_name="threads", blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ThreadStatus.choices, default=ThreadStatus.OPEN
    )
    is_locked = models.BooleanField(_("locked"), default=False)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    is_deleted = models.BooleanField(_("deleted"), default=False)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_threads"
    )
    accepted_answer = models.OneToOneField(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("asked"), db_index=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"))
    first_answer_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    # Denormalised, repaired by forum_repair.
    answer_count = models.PositiveIntegerField(default=0, editable=False)
    score = models.IntegerField(default=0, editable=False)
    view_count = models.PositiveIntegerField(default=0, editable=False)

    # Imported content: where it came from and whom to credit (CC BY-SA asks for both).
    # ``external_ref`` ("se:<site>:<id>") makes imports idempotent; "" for native threads.
    external_ref = models.CharField(max_length=128, blank=True, default="", editable=False)
    source_format = models.CharField(
        max_length=8, choices=SourceFormat.choices, default=SourceFormat.MARKDOWN, editable=False
    )
    import_source = models.ForeignKey(
        ImportSource, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    # Full-text search (PostgreSQL only; stays NULL on SQLite, which uses an FTS5 table).
    # Kept up to date by forum.search (see forum/search/__init__.py); GIN index in 0002.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                name="thread_external_ref_unique",
                condition=~models.Q(external_ref=""),
            ),
        ]
        indexes = [
            # Category pages: filter by category (and status), sort by one of these.
            models.Index(fields=["category", "-created_at"], name="thread_cat_new_idx"),
            models.Index(fields=["category", "-last_activity_at"], name="thread_cat_active_idx"),
            models.Index(fields=["category", "-score"], name="thread_cat_votes_idx"),
            models.Index(
                fields=["category", "status", "-created_at"], name="thread_cat_status_idx"
            ),
            models.Index(fields=["-last_activity_at"], name="thread_active_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forum:thread", kwargs={"pk": self.pk})

    @property
    def is_solved(self) -> bool:
        return self.status == ThreadStatus.SOLVED

    @property
    def is_visible(self) -> bool:
        return not (self.is_hidden or self.is_deleted)


class Post(Attributed):
    """An answer in a thread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    body_md = models.TextField(_("answer"))
    body_html = models.TextField(editable=False)
    is_accepted = models.BooleanField(_("accepted"), default=False)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_official = models.BooleanField(_("official staff answer"), default=False)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    is_deleted = models.BooleanField(_("deleted"), default=False)
    created_at = models.DateTimeField(_("posted"), db_index=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    # Denormalised from votes, repaired by forum_repair.
    score = models.IntegerField(default=0, editable=False)
    upvotes = models.PositiveIntegerField(default=0, editable=False)
    downvotes = models.PositiveIntegerField(default=0, editable=False)

    # Imported content (see Thread): idempotency key and attribution.
    external_ref = models.CharField(max_length=128, blank=True, default="", editable=False)
    source_format = models.CharField(
        max_length=8, choices=SourceFormat.choices, default=SourceFormat.MARKDOWN, editable=False
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                name="post_external_ref_unique",
                condition=~models.Q(external_ref=""),
            ),
            # The database, not the service, is the last word on "one accepted answer".
            models.UniqueConstraint(
                fields=["thread"],
                condition=models.Q(is_accepted=True),
                name="one_accepted_answer_per_thread",
            ),
        ]
        indexes = [
            models.Index(fields=["thread", "created_at", "id"], name="post_thread_order_idx"),
            models.Index(fields=["author", "-created_at"], name="post_author_idx"),
        ]

    def __str__(self) -> str:
        return f"Answer #{self.pk} in {self.thread_id}"

    def get_absolute_url(self) -> str:
        return reverse("forum:post", kwargs={"pk": self.pk})

    @property
    def is_visible(self) -> bool:
        return not (self.is_hidden or self.is_deleted)


class Vote(models.Model):
    class Value(models.IntegerChoices):
        UP = 1, _("Up")
        DOWN = -1, _("Down")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes"
    )
    value = models.SmallIntegerField(choices=Value.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="one_vote_per_user_per_post"),
            models.CheckConstraint(
                condition=models.Q(value__in=[1, -1]), name="vote_value_is_pm_one"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.value:+d} on {self.post_id}"


class Revision(models.Model):
    """The text of a question or answer before an edit (and the first version)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="revisions")
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200, blank=True)
    body_md = models.TextField()
    reason = models.CharField(_("edit summary"), max_length=200, blank=True)
    # A default, not auto_now_add: imported history keeps the date of the original edit.
    created_at = models.DateTimeField(default=timezone.now)
    # Imported revisions only ("se:<site>:r<post id>:<RevisionGUID>"): makes a re-run of
    # the import idempotent; "" for revisions made here.
    external_ref = models.CharField(max_length=128, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                name="revision_external_ref_unique",
                condition=~models.Q(external_ref=""),
            ),
            models.UniqueConstraint(
                fields=["thread", "number"],
                condition=models.Q(post__isnull=True),
                name="one_question_revision_number",
            ),
            models.UniqueConstraint(
                fields=["post", "number"],
                condition=models.Q(post__isnull=False),
                name="one_answer_revision_number",
            ),
        ]

    def __str__(self) -> str:
        return f"Revision {self.number}"


class PostComment(Attributed):
    """A comment imported with a community's history (Stack Exchange Comments.xml), under
    the question (``post`` NULL) or an answer. Read-only: the forum has no comments of its
    own, so nothing here creates or edits them; they are shown with their attribution and
    stay as hidden as the question or answer they belong to."""

    # No single-column index: comment_thread_order_idx starts with the thread.
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="comments", db_index=False
    )
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="post_comments"
    )
    text = models.TextField(_("comment"))  # the source as written (SE's mini-Markdown)
    text_html = models.TextField(editable=False)  # rendered and sanitized once, at import
    created_at = models.DateTimeField(_("commented"))
    score = models.IntegerField(default=0)
    # Idempotency key of the import ("se:<site>:c<id>") and attribution, as on Post.
    external_ref = models.CharField(max_length=128, unique=True, editable=False)

    class Meta:
        verbose_name = _("imported comment")
        verbose_name_plural = _("imported comments")
        ordering = ["created_at", "id"]
        indexes = [
            # The thread page: one query for the comments of the question and shown answers.
            models.Index(fields=["thread", "created_at", "id"], name="comment_thread_order_idx"),
        ]

    def __str__(self) -> str:
        return f"Comment #{self.pk} in {self.thread_id}"


class DeflectionEvent(models.Model):
    """Someone about to ask opened a suggested thread instead (or as well).

    ``posted_after`` is set when the same session then posted its question anyway, so the
    share of suggestions that deflected a question can be measured.
    """

    session_key = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    query = models.CharField(max_length=200, blank=True)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    posted_after = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("deflection event")
        verbose_name_plural = _("deflection events")

    def __str__(self) -> str:
        return f"{self.session_key[:8]} opened {self.thread_id}"


# --- Moderation (forum/moderation/) ---------------------------------------------------------


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    OFFENSIVE = "offensive", _("Rude or offensive")
    OFF_TOPIC = "off_topic", _("Off topic")
    NEEDS_STAFF = "needs_staff", _("Needs staff attention")
    OTHER = "other", _("Something else")
    # Raised by the system, not a person: a new account's post held for review.
    REVIEW = "review", _("Held for review")


class FlagState(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")  # a moderator acted on it (hid, closed, deleted …)
    DISMISSED = "dismissed", _("Dismissed")  # a moderator approved the content


class Flag(models.Model):
    """Someone (or the system, ``flagger`` NULL) asks moderators to look at a question
    (``post`` NULL) or an answer. Upheld/dismissed outcomes feed the flagger's weight."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="flags")
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=FlagReason.choices)
    text = models.CharField(_("details"), max_length=500, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=FlagState.choices, default=FlagState.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            # One flag per person per question/answer, ever: flagging twice is refused.
            models.UniqueConstraint(
                fields=["flagger", "thread"],
                condition=models.Q(post__isnull=True, flagger__isnull=False),
                name="one_flag_per_user_per_thread",
            ),
            models.UniqueConstraint(
                fields=["flagger", "post"],
                condition=models.Q(post__isnull=False, flagger__isnull=False),
                name="one_flag_per_user_per_post",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="flag_queue_idx"),
            models.Index(fields=["flagger", "state"], name="flag_flagger_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} on {self.post_id or self.thread_id}"


class ModerationAction(models.Model):
    """Audit log: one row per staff action, with the values before and after.
    Append-only; never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    target_type = models.CharField(max_length=20)  # "thread", "post", "user", "flag"
    target_id = models.BigIntegerField()
    old = models.JSONField(default=dict, blank=True)
    new = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="modaction_target_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}#{self.target_id}"


class SanctionKind(models.TextChoices):
    SILENCE = "silence", _("Silenced")  # may read and flag nothing, post nothing, vote nothing
    SUSPEND = "suspend", _("Suspended")  # additionally may not edit, accept or change anything


class UserSanction(models.Model):
    """A silence or suspension for a period. While active the user is in the group of the
    same name (see forum.moderation.services), so permission checks read the per-request
    role cache instead of querying this table."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(max_length=10, choices=SanctionKind.choices)
    reason = models.CharField(_("reason"), max_length=500)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        indexes = [models.Index(fields=["user", "-ends_at"], name="sanction_user_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id} until {self.ends_at:%Y-%m-%d}"
