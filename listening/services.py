"""Every write of the listening app: ingesting items, source health, staff actions,
training the classifier."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import Conflict, NotFound, PermissionDenied, ValidationError
from core.markup import html_to_text, sanitize_html
from escalations.webhooks import SignatureError, signature_verify
from forum.models import Category, Thread
from forum.selectors import visible_threads
from forum.services import thread_create
from listening import classifier, permissions
from listening.fetch import FetchError, fetch
from listening.models import (
    ActionKind,
    ClassifierModel,
    Item,
    ItemState,
    ListeningAction,
    Source,
    SourceKind,
)
from listening.parsing import ParseError, RawItem, parse_feed, parse_mention, parse_message

logger = logging.getLogger(__name__)

MAX_ERROR_CHARS = 500
MAX_MENTIONS_PER_REQUEST = 100
TRAINING_THREADS = 5000


# --- the classifier --------------------------------------------------------------------------

_loaded: tuple[int, classifier.Model] | None = None


def classifier_train(*, save: bool = True) -> classifier.Model:
    """Train on our own threads (questions, with their categories) and the committed seed
    questions vs. the committed non-question corpus; store the weights as the newest
    ``ClassifierModel``."""
    rows = (
        Thread.objects.filter(is_hidden=False, is_deleted=False, merged_into__isnull=True)
        .order_by("-id")
        .values_list("title", "body_html", "category__slug")[:TRAINING_THREADS]
    )
    questions: list[tuple[str, str | None]] = [
        (f"{title} {html_to_text(body)[:1000]}", slug) for title, body, slug in rows
    ]
    questions += [(text, None) for text in classifier.seed_question_corpus()]
    model = classifier.train(
        questions=questions,
        non_questions=classifier.non_question_corpus(),
        threshold=settings.LISTENING_SUPPORT_THRESHOLD,
    )
    if save:
        ClassifierModel.objects.create(
            version=model.version, weights=model.to_json(), trained_on=model.trained_on
        )
    return model


def classifier_current() -> classifier.Model:
    """The newest stored model (trained now if there is none). Each process keeps the one
    it loaded until a newer row appears: one cheap id query per call."""
    global _loaded
    latest = ClassifierModel.objects.order_by("-id").values_list("id", flat=True).first()
    if latest is None:
        classifier_train(save=True)
        latest = ClassifierModel.objects.order_by("-id").values_list("id", flat=True).first()
    if _loaded is None or _loaded[0] != latest:
        row = ClassifierModel.objects.get(pk=latest)
        _loaded = (
            row.pk,
            classifier.Model.from_json(row.weights, threshold=settings.LISTENING_SUPPORT_THRESHOLD),
        )
    return _loaded[1]


# --- ingesting -------------------------------------------------------------------------------


def link_normalise(link: str) -> str:
    """http(s) links only; anything else (javascript:, data:, relative) is dropped."""
    link = link.strip()
    parts = urlsplit(link)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return ""
    return link[:1000]


def link_hash(link: str) -> str:
    if not link:
        return ""
    parts = urlsplit(link)
    # Same posting, different tracking: ignore the fragment, scheme and host case.
    key = f"{parts.netloc.lower()}{parts.path}?{parts.query}"
    return hashlib.sha256(key.encode()).hexdigest()


def item_fields(raw: RawItem) -> dict[str, object]:
    """Sanitize and cut one raw item: HTML goes through the one sanitizer, then to text."""
    limit = settings.LISTENING_ITEM_MAX_CHARS
    text = html_to_text(sanitize_html(raw.html))[:limit]
    title = html_to_text(sanitize_html(raw.title))[:300]
    link = link_normalise(raw.link)
    return {
        "external_id": raw.external_id[:500],
        "link": link,
        "link_hash": link_hash(link),
        # Plain text, never markup (templates escape it); "Name <mail@host>" must survive.
        "author": " ".join(raw.author.split())[:200],
        "title": title,
        "text": text,
        "published_at": raw.published_at,
    }


@dataclass(frozen=True)
class IngestResult:
    created: int
    duplicates: int
    support: int


def items_ingest(*, source: Source, raw_items: list[RawItem]) -> IngestResult:
    """Store the new ones of ``raw_items`` (deduplicated by id within the source and by link
    across sources), classified. Safe to run twice: a repeat finds only duplicates."""
    if not raw_items:
        return IngestResult(0, 0, 0)
    model = classifier_current()
    prepared = [item_fields(raw) for raw in raw_items]
    ids = {p["external_id"] for p in prepared}
    hashes = {p["link_hash"] for p in prepared} - {""}
    seen_ids = set(
        Item.objects.filter(source=source, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    seen_hashes = set(Item.objects.filter(link_hash__in=hashes).values_list("link_hash", flat=True))
    categories = dict(Category.objects.filter(is_active=True).values_list("slug", "id"))
    created = duplicates = support = 0
    for fields in prepared:
        if fields["external_id"] in seen_ids or (
            fields["link_hash"] and fields["link_hash"] in seen_hashes
        ):
            duplicates += 1
            continue
        result = model.classify(f"{fields['title']}\n{fields['text']}")
        category_id = categories.get(result.category or "") or source.default_category_id
        try:
            # A savepoint per item: a concurrent poll (or a redelivered webhook) that stored
            # the same item first makes this one a duplicate, not an error for the batch.
            with transaction.atomic():
                Item.objects.create(
                    source=source,
                    **fields,
                    is_support=result.is_support,
                    support_probability=result.probability,
                    category_id=category_id,
                    urgency=result.urgency if result.is_support else "low",
                    explanation=result.explanation,
                    state=ItemState.OPEN if result.is_support else ItemState.FILTERED,
                )
        except IntegrityError:
            duplicates += 1
            continue
        seen_ids.add(fields["external_id"])
        if fields["link_hash"]:
            seen_hashes.add(fields["link_hash"])
        created += 1
        support += int(result.is_support)
    if created:
        Source.objects.filter(pk=source.pk).update(items_received=F("items_received") + created)
    return IngestResult(created=created, duplicates=duplicates, support=support)


# --- source health ---------------------------------------------------------------------------


def source_record_success(*, source_id: int, etag: str = "", last_modified: str = "") -> None:
    now = timezone.now()
    fields = {"last_polled_at": now, "last_success_at": now, "consecutive_errors": 0}
    if etag or last_modified:
        fields |= {"etag": etag, "last_modified": last_modified}
    Source.objects.filter(pk=source_id).update(**fields)


def source_record_error(*, source_id: int, message: str) -> None:
    now = timezone.now()
    Source.objects.filter(pk=source_id).update(
        last_polled_at=now,
        last_error_at=now,
        last_error=message[:MAX_ERROR_CHARS],
        consecutive_errors=F("consecutive_errors") + 1,
    )


def sources_claim_due(*, now: object | None = None) -> list[int]:
    """Polled sources whose turn has come, each claimed by moving its ``next_poll_at``
    forward with a compare-and-set UPDATE, so two beat ticks (or two beats) never poll the
    same source twice in one interval."""
    now = now or timezone.now()
    interval = settings.LISTENING_POLL_INTERVAL
    candidates = Source.objects.filter(
        active=True, kind__in=[SourceKind.RSS, SourceKind.ATOM, SourceKind.IMAP]
    ).values_list("id", "next_poll_at")
    claimed = []
    for source_id, next_poll_at in candidates:
        if next_poll_at is not None and next_poll_at > now:
            continue
        won = Source.objects.filter(pk=source_id, next_poll_at=next_poll_at).update(
            next_poll_at=now + interval
        )
        if won:
            claimed.append(source_id)
    return claimed


@dataclass(frozen=True)
class PollResult:
    ok: bool
    created: int = 0
    duplicates: int = 0
    error: str = ""


def source_poll(*, source_id: int) -> PollResult:
    """Fetch and ingest one feed or mailbox. Never raises for anything the source does
    (bad address, timeout, huge or malformed feed): the error goes into its health.
    The network part runs outside any transaction."""
    source = Source.objects.filter(pk=source_id, active=True).first()
    if source is None:
        return PollResult(ok=False, error="inactive or deleted")
    try:
        if source.kind in (SourceKind.RSS, SourceKind.ATOM):
            result = fetch(
                source.url,
                allow_private=source.allow_private,
                etag=source.etag,
                last_modified=source.last_modified,
            )
            raw_items = [] if result.status == 304 else parse_feed(result.body)
            etag, last_modified = result.etag, result.last_modified
        elif source.kind == SourceKind.IMAP:
            from listening.mailbox import imap_fetch_new

            raw_items = [parse_message(raw) for raw in imap_fetch_new(source)]
            etag = last_modified = ""
        else:
            return PollResult(ok=False, error="this kind of source is not polled")
        with transaction.atomic():
            ingested = items_ingest(source=source, raw_items=raw_items)
        source_record_success(source_id=source.pk, etag=etag, last_modified=last_modified)
        return PollResult(ok=True, created=ingested.created, duplicates=ingested.duplicates)
    except (FetchError, ParseError) as exc:
        message = str(exc)
    except Exception as exc:
        # Anything else is our bug, but one source must never stop the others: log it with
        # the traceback and show it in the source's health.
        logger.exception("listening: polling source %s failed", source_id)
        message = f"{type(exc).__name__}: {exc}"
    source_record_error(source_id=source_id, message=message)
    return PollResult(ok=False, error=message[:MAX_ERROR_CHARS])


# --- inbound (webhook and forwarded mail) -----------------------------------------------------


def _verify_inbound(
    *, source: Source, body: bytes, timestamp: str | None, signature: str | None
) -> None:
    """HMAC over "<timestamp>.<body>" with the source's secret, at most
    LISTENING_INBOUND_MAX_AGE old; an exact repeat of a signature is refused (replay)."""
    max_age = settings.LISTENING_INBOUND_MAX_AGE.total_seconds()
    try:
        signature_verify(
            secret=source.secret,
            timestamp=timestamp,
            signature=signature,
            body=body,
            now=time.time(),
            max_age_seconds=max_age,
        )
    except SignatureError as exc:
        source_record_error(source_id=source.pk, message=f"inbound refused: {exc.code}")
        raise PermissionDenied(str(exc), code=exc.code) from exc
    # Within the age window an intercepted request could be sent again; remember each
    # signature for twice that window (the shared cache: Redis in production).
    if not cache.add(f"listening:inbound:{source.pk}:{signature}", 1, timeout=int(max_age * 2)):
        raise Conflict(_("This request was already received."), code="replayed")


def _inbound_source(*, source_id: int, kinds: tuple[str, ...]) -> Source:
    source = Source.objects.filter(pk=source_id, active=True, kind__in=kinds).first()
    if source is None:
        raise NotFound(_("No such source."))
    return source


def mentions_receive(
    *, source_id: int, body: bytes, timestamp: str | None, signature: str | None
) -> IngestResult:
    """The social-media tool's webhook: one mention or ``{"mentions": [...]}``."""
    source = _inbound_source(source_id=source_id, kinds=(SourceKind.WEBHOOK,))
    _verify_inbound(source=source, body=body, timestamp=timestamp, signature=signature)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError({"body": [_("The body is not JSON.")]}) from exc
    entries = data.get("mentions") if isinstance(data, dict) and "mentions" in data else [data]
    if not isinstance(entries, list) or len(entries) > MAX_MENTIONS_PER_REQUEST:
        raise ValidationError(
            {
                "mentions": [
                    _("Send a list of at most %(n)d mentions.") % {"n": MAX_MENTIONS_PER_REQUEST}
                ]
            }
        )
    try:
        raw_items = [parse_mention(entry) for entry in entries]
    except ParseError as exc:
        raise ValidationError({"mentions": [str(exc)]}) from exc
    with transaction.atomic():
        result = items_ingest(source=source, raw_items=raw_items)
    source_record_success(source_id=source.pk)
    return result


def mail_receive(
    *, source_id: int, body: bytes, timestamp: str | None, signature: str | None
) -> IngestResult:
    """A forwarded e-mail (raw RFC 822) for a "mail" source."""
    source = _inbound_source(source_id=source_id, kinds=(SourceKind.MAIL,))
    _verify_inbound(source=source, body=body, timestamp=timestamp, signature=signature)
    try:
        raw = parse_message(body)
    except ParseError as exc:
        raise ValidationError({"body": [str(exc)]}) from exc
    with transaction.atomic():
        result = items_ingest(source=source, raw_items=[raw])
    source_record_success(source_id=source.pk)
    return result


# --- staff actions ---------------------------------------------------------------------------


def ask_url(*, title: str, category_slug: str | None) -> str:
    """The community's ask page, prefilled (``title`` needs forum's ask view to read it)."""
    params = {"title": title[:200]}
    if category_slug:
        params["category"] = category_slug
    return f"{settings.SITE_URL}{reverse('forum:ask')}?{urlencode(params)}"


def _suggested_title(item: Item) -> str:
    title = item.title or item.text
    if len(title) > 150:
        title = title[:150].rsplit(" ", 1)[0] + "…"
    return title


@transaction.atomic
def item_act(
    *,
    item_id: int,
    actor: User,
    action: str,
    thread_id: int | None = None,
    category_id: int | None = None,
    title: str = "",
    body: str = "",
) -> ListeningAction:
    """Do one staff action on an item and record it. Locks the item: two staff acting on
    the same item at once get one action and one Conflict, never two replies."""
    if not permissions.can_work_inbox(actor):
        raise PermissionDenied(_("Only staff can work the listening inbox."))
    if action not in ActionKind.values:
        raise ValidationError({"action": [_("Unknown action.")]})
    item = (
        Item.objects.select_for_update(no_key=True, of=("self",))
        .select_related("source", "category")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound(_("No such item."))
    if item.state not in (ItemState.OPEN, ItemState.FILTERED):
        raise Conflict(_("This item was already handled."), code="already_handled")

    author = item.author or _("there")
    thread: Thread | None = None
    reply = ""
    if action == ActionKind.REPLY_LINK:
        thread = visible_threads(actor).filter(pk=thread_id).first() if thread_id else None
        if thread is None:
            raise ValidationError({"thread_id": [_("Choose a thread to link to.")]})
        url = settings.SITE_URL + thread.get_absolute_url()
        reply = _("Hi %(author)s, this has been answered in our community: %(url)s") % {
            "author": author,
            "url": url,
        }
    elif action in (ActionKind.INVITE, ActionKind.CREATE_THREAD):
        category = item.category
        if category_id is not None:
            category = Category.objects.filter(pk=category_id, is_active=True).first()
            if category is None:
                raise ValidationError({"category_id": [_("Choose an active category.")]})
        title = (title or _suggested_title(item)).strip()
        if action == ActionKind.INVITE:
            url = ask_url(title=title, category_slug=category.slug if category else None)
            reply = _(
                "Hi %(author)s, our community can help with this. Ask here and people who use "
                "the product will answer: %(url)s"
            ) % {"author": author, "url": url}
        else:
            if category is None:
                raise ValidationError({"category_id": [_("Choose a category for the thread.")]})
            quoted = "\n".join(f"> {line}" for line in (item.text or item.title).splitlines())
            origin = item.link or item.source.name
            text = body.strip() or _("%(quote)s\n\n*Asked by %(author)s on %(origin)s*") % {
                "quote": quoted,
                "author": item.author or _("a customer"),
                "origin": origin,
            }
            thread = thread_create(author=actor, category=category, title=title, body=text)
            url = settings.SITE_URL + thread.get_absolute_url()
            reply = _(
                "Hi %(author)s, we have posted your question in our community, where it will "
                "be answered: %(url)s"
            ) % {"author": author, "url": url}

    item.state = ItemState.DISMISSED if action == ActionKind.DISMISS else ItemState.HANDLED
    item.handled_at = timezone.now()
    item.save(update_fields=["state", "handled_at"])
    return ListeningAction.objects.create(
        item=item, actor=actor, action=action, thread=thread, reply_text=reply
    )


@transaction.atomic
def source_reset_poll(*, source_id: int) -> None:
    """Make a source due now (the "poll now" button)."""
    Source.objects.filter(pk=source_id).update(next_poll_at=timezone.now() - timedelta(seconds=1))
