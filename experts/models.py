"""Expertise: decayed sufficient statistics per (user, category) and (user, tag), the ledger
of acceptances and answers that fed them, ranks, badges, availability and routing.

Every score row stores *sufficient statistics* for an O(1) incremental update: decayed sums
together with the instant they refer to (``decayed_at``). Bringing a row to time ``t`` is a
multiplication by ``2 ** -((t - decayed_at) / half_life)``; adding an event is an addition.
The maths lives in ``experts.scoring``; the writes in ``experts.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DecayedStats(models.Model):
    """Exponentially decayed accepted / answered sums plus raw counts."""

    accepted_count = models.PositiveIntegerField(_("accepted answers"), default=0)
    answer_count = models.PositiveIntegerField(_("answers"), default=0)
    decayed_accepted = models.FloatField(default=0.0)
    decayed_answers = models.FloatField(default=0.0)
    # The instant the decayed sums refer to; nothing is decayed in place by the clock.
    decayed_at = models.DateTimeField()
    last_activity_at = models.DateTimeField(null=True, blank=True)
    # Expected accepted answers (decayed answers x shrunk acceptance rate) at decayed_at.
    score = models.FloatField(_("score"), default=0.0)

    class Meta:
        abstract = True


class ExpertiseScore(DecayedStats):
    """Standing of a user in one category, or overall when ``category`` is NULL."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expertise_scores"
    )
    category = models.ForeignKey(
        "forum.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="expertise_scores",
    )
    # Only maintained on the overall row (category NULL); "" = no rank.
    rank = models.CharField(_("rank"), max_length=16, blank=True, default="")
    # Decayed answer counts at each half-life of scoring.ACTIVITY_HALF_LIVES_DAYS (keys
    # like "30"), referring to decayed_at like the other sums: routing reads the one the
    # community's RoutingCalibration chose. Maintained on the overall row only.
    activity = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("expertise score")
        verbose_name_plural = _("expertise scores")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category"],
                condition=Q(category__isnull=False),
                name="expertise_one_row_per_user_category",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(category__isnull=True),
                name="expertise_one_overall_row_per_user",
            ),
        ]
        indexes = [
            # Leaderboards and the routing pre-filter: top-N of one category by score.
            models.Index(fields=["category", "-score"], name="expertise_cat_score_idx"),
            # The overall top-N (category IS NULL): PostgreSQL would otherwise scan the
            # partial unique index and sort 100k rows (~100 ms measured).
            models.Index(
                fields=["-score"],
                condition=Q(category__isnull=True),
                name="expertise_overall_score_idx",
            ),
            # The routing pre-filter's most recently active answerers (short timescales).
            models.Index(
                fields=["-last_activity_at"],
                condition=Q(category__isnull=True),
                name="expertise_overall_recent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.category_id or 'all'}: {self.score:.2f}"


class TagExpertise(DecayedStats):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey("forum.Tag", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("tag expertise")
        verbose_name_plural = _("tag expertise")
        constraints = [
            models.UniqueConstraint(fields=["user", "tag"], name="tag_expertise_unique"),
        ]
        indexes = [models.Index(fields=["tag", "-score"], name="tag_expertise_score_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}#{self.tag_id}: {self.score:.2f}"


class ExpertProfile(models.Model):
    """A compact bag of words of the questions a user answered (accepted ones weigh more),
    decayed like the scores; pruned to the strongest ``EXPERTS_PROFILE_TERMS`` terms.
    ``length`` is the decayed total mass of all terms ever added (pruned ones included),
    so the language model's denominator stays honest after pruning."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_profile"
    )
    terms = models.JSONField(default=dict)
    length = models.FloatField(default=0.0)
    decayed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("expert text profile")
        verbose_name_plural = _("expert text profiles")

    def __str__(self) -> str:
        return f"profile of {self.user_id}"


class TermStat(models.Model):
    """Background language model: how often a term occurs in questions (row "" = total)."""

    term = models.CharField(max_length=64, unique=True)
    count = models.FloatField(default=0.0)

    def __str__(self) -> str:
        return f"{self.term}: {self.count}"


class AcceptanceVerdict(models.TextChoices):
    COUNTED = "counted", _("Counted")
    SELF = "self", _("Self-accept")
    RING = "ring", _("Reciprocal accept ring")
    NETWORK = "network", _("Same sign-up network")


class ExpertAcceptance(models.Model):
    """One accepted answer as experts saw it. ``post_id`` is unique: an AnswerAccepted
    event handled twice finds its row and does nothing."""

    post_id = models.BigIntegerField(unique=True)
    thread_id = models.BigIntegerField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    asker_id = models.BigIntegerField(db_index=True)
    accepted_by_id = models.BigIntegerField()
    category_id = models.BigIntegerField()
    tag_ids = models.JSONField(default=list)
    accepted_at = models.DateTimeField()
    verdict = models.CharField(max_length=16, choices=AcceptanceVerdict.choices)
    # Weight added to the decayed sums (1.0 counted, 0.0 rejected).
    weight = models.FloatField(default=1.0)

    class Meta:
        verbose_name = _("accepted answer (experts)")
        verbose_name_plural = _("accepted answers (experts)")
        indexes = [
            models.Index(fields=["user", "-accepted_at"], name="expacc_user_idx"),
            models.Index(fields=["category_id", "accepted_at"], name="expacc_cat_time_idx"),
            models.Index(fields=["accepted_at"], name="expacc_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} ({self.verdict})"

    @property
    def counted(self) -> bool:
        return self.verdict == AcceptanceVerdict.COUNTED


class CountedAnswer(models.Model):
    """One answer that fed the answer counts; ``post_id`` unique for idempotency."""

    post_id = models.BigIntegerField(unique=True)
    thread_id = models.BigIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    category_id = models.BigIntegerField()
    tag_ids = models.JSONField(default=list)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="expans_user_idx")]

    def __str__(self) -> str:
        return str(self.post_id)


class RankCode(models.TextChoices):
    HELPER = "helper", _("Helper")
    EXPERT = "expert", _("Expert")
    CHAMPION = "champion", _("Champion")


class Rank(models.Model):
    """A threshold over the overall score and the count of counted accepted answers.
    Community managers edit these in the admin; saving recomputes everyone's rank."""

    code = models.CharField(max_length=16, choices=RankCode.choices, unique=True)
    name = models.CharField(_("name"), max_length=40)
    min_score = models.FloatField(_("minimum score"))
    min_accepted = models.PositiveIntegerField(_("minimum accepted answers"))

    class Meta:
        verbose_name = _("rank")
        verbose_name_plural = _("ranks")
        ordering = ["min_score"]

    def __str__(self) -> str:
        return self.name


class BadgeKind(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted answers reach the threshold")
    ANSWERS = "answers", _("Answers reach the threshold")
    CATEGORY_TOP = "category_top", _("Top expert of a category")


class Badge(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=200)
    kind = models.CharField(max_length=16, choices=BadgeKind.choices)
    threshold = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["kind", "threshold"]

    def __str__(self) -> str:
        return self.name


class BadgeAward(models.Model):
    """Badges mark milestones and are not taken back when a score later falls."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badge_awards"
    )
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="awards")
    category = models.ForeignKey(
        "forum.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    awarded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("badge award")
        verbose_name_plural = _("badge awards")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "badge", "category"],
                condition=Q(category__isnull=False),
                name="badge_award_unique_in_category",
            ),
            models.UniqueConstraint(
                fields=["user", "badge"],
                condition=Q(category__isnull=True),
                name="badge_award_unique_overall",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.badge_id} for {self.user_id}"


class ExpertAvailability(models.Model):
    """An expert's routing preferences; no row means "available for everything"."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_availability"
    )
    routing_opt_out = models.BooleanField(_("do not send me questions"), default=False)
    # Empty = every category.
    categories = models.ManyToManyField("forum.Category", blank=True, related_name="+")
    max_per_day = models.PositiveSmallIntegerField(
        _("at most this many questions a day"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("expert availability")
        verbose_name_plural = _("expert availability")

    def __str__(self) -> str:
        return f"availability of {self.user_id}"


class RoutingNotification(models.Model):
    """An expert was asked to look at a question. Unique per pair: never asked twice."""

    thread = models.ForeignKey("forum.Thread", on_delete=models.CASCADE, related_name="+")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routing_notifications"
    )
    wave = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "expert"], name="routing_once_per_pair"),
        ]
        indexes = [
            # The daily cap counts one expert's rows of the last 24 hours.
            models.Index(fields=["expert", "-created_at"], name="routing_expert_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.thread_id} -> {self.expert_id}"


class AcceptReminder(models.Model):
    """The asker was reminded to accept an answer; one per thread."""

    thread = models.OneToOneField("forum.Thread", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"reminder for {self.thread_id}"


class BaseRate(models.Model):
    """Raw counted accepts and answers of a whole category (NULL = everything): the prior
    mean of the acceptance rate. Plain counters updated with F(), so the hottest row of
    the app is never read-modify-written under a lock."""

    category = models.OneToOneField(
        "forum.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    accepted = models.FloatField(default=0.0)
    answers = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(category__isnull=True),
                name="base_rate_one_overall_row",
            ),
        ]

    def __str__(self) -> str:
        return f"base rate {self.category_id or 'all'}"


class SeenThread(models.Model):
    """A question experts have taken in (terms counted, routing queued): once per thread."""

    thread_id = models.BigIntegerField(unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.thread_id)


class RoutingCalibration(models.Model):
    """The routing timescale chosen from the community's own history (latest row wins):
    the half-life under which decayed answer counts best predicted who answered next."""

    half_life_days = models.FloatField(_("half-life (days)"))
    # Mean log-likelihood per predicted answer for every half-life tried.
    scores = models.JSONField(default=dict)
    answers_used = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("routing calibration")
        verbose_name_plural = _("routing calibrations")
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"{self.half_life_days:g} days ({self.computed_at:%Y-%m-%d})"
