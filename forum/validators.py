"""Domain checks on user input. Each raises ``ValidationError`` with a field and a code."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from forum.models import Category, Tag


def _length(field: str, value: str, *, minimum: int, maximum: int) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationError(
            {
                field: ValidationError(
                    ngettext(
                        "Please write at least %(n)d character.",
                        "Please write at least %(n)d characters.",
                        minimum,
                    )
                    % {"n": minimum},
                    code="too_short",
                )
            }
        )
    if len(value) > maximum:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Please keep it under %(n)d characters (you wrote %(len)d).")
                    % {"n": maximum, "len": len(value)},
                    code="too_long",
                )
            }
        )
    return value


def validate_title(title: str) -> str:
    title = " ".join((title or "").split())
    return _length(
        "title",
        title,
        minimum=settings.FORUM_TITLE_MIN_LENGTH,
        maximum=settings.FORUM_TITLE_MAX_LENGTH,
    )


def validate_question_body(body: str) -> str:
    return _length(
        "body",
        body,
        minimum=settings.FORUM_BODY_MIN_LENGTH,
        maximum=settings.FORUM_BODY_MAX_LENGTH,
    )


def validate_answer_body(body: str) -> str:
    return _length(
        "body",
        body,
        minimum=settings.FORUM_ANSWER_MIN_LENGTH,
        maximum=settings.FORUM_BODY_MAX_LENGTH,
    )


def validate_category(category_id: object) -> Category:
    try:
        return Category.objects.get(pk=int(category_id), is_active=True)  # type: ignore[arg-type]
    except (TypeError, ValueError, Category.DoesNotExist):
        raise ValidationError(
            {
                "category": ValidationError(
                    _("Please choose one of the categories."), code="unknown_category"
                )
            }
        ) from None


def validate_tags(names: list[str]) -> list[Tag]:
    """Tags must exist already (moderators curate them) and be few."""
    cleaned = []
    for name in names:
        name = (name or "").strip().lower()
        if name and name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > settings.FORUM_MAX_TAGS:
        raise ValidationError(
            {
                "tags": ValidationError(
                    _("Use at most %(n)d tags.") % {"n": settings.FORUM_MAX_TAGS},
                    code="too_many_tags",
                )
            }
        )
    tags = list(Tag.objects.filter(slug__in=cleaned)) if cleaned else []
    unknown = sorted(set(cleaned) - {t.slug for t in tags})
    if unknown:
        raise ValidationError(
            {
                "tags": ValidationError(
                    _("Unknown tag: %(tags)s.") % {"tags": ", ".join(unknown)}, code="unknown_tag"
                )
            }
        )
    return sorted(tags, key=lambda t: cleaned.index(t.slug))


def validate_vote_value(value: object) -> int:
    if isinstance(value, bool) or value not in (1, -1):
        raise ValidationError(
            {"value": ValidationError(_("A vote is 1 (up) or -1 (down)."), code="bad_vote")}
        )
    return int(value)  # type: ignore[arg-type]
