"""Rewards pages: an expert's earnings and payouts; finance's queue, budgets and exports."""

from __future__ import annotations

import csv
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from core.exceptions import Conflict, NotFound, PermissionDenied
from rewards import selectors, services
from rewards.models import LedgerEntry, Payout, PayoutState, Program, SepaBatch


def _require_finance(request: HttpRequest) -> None:
    from accounts.roles import Role, has_role

    if not has_role(request.user, Role.FINANCE):
        raise DjangoPermissionDenied


def _errors_to_messages(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.error(request, getattr(exc, "message", str(exc)))


@login_required
def earnings(request: HttpRequest) -> HttpResponse:
    user_id = request.user.pk
    context = {
        "wallet": selectors.wallet_for(user_id=user_id),
        "history": selectors.ledger_history(user_id=user_id),
        "payouts": selectors.payouts_of(user_id=user_id)[:50],
        "methods": selectors.payout_methods_of(user_id=user_id),
        # A fresh key per rendered form: a double-submitted form pays once.
        "idempotency_key": uuid.uuid4().hex,
    }
    return render(request, "rewards/earnings.html", context)


@login_required
@require_POST
def payout_request_view(request: HttpRequest) -> HttpResponse:
    try:
        services.payout_request(
            user=request.user,
            method_id=int(request.POST.get("method_id") or 0),
            amount_minor=_cents_from_form(request.POST.get("amount", "")),
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
    except (ValidationError, NotFound, Conflict, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Your payout was requested."))
    return redirect("rewards:earnings")


def _cents_from_form(value: str) -> object:
    """The form takes euros ("12.50"); the service takes whole cents and rejects the rest."""
    from decimal import Decimal, InvalidOperation

    try:
        cents = Decimal(value.replace(",", ".").strip()) * 100
    except InvalidOperation:
        return value
    return int(cents) if cents == cents.to_integral_value() else str(cents)


@login_required
@require_POST
def method_add(request: HttpRequest) -> HttpResponse:
    try:
        services.payout_method_create(
            user=request.user,
            kind=request.POST.get("kind", ""),
            holder_name=request.POST.get("holder_name", ""),
            iban=request.POST.get("iban", ""),
            stripe_account_id=request.POST.get("stripe_account_id", ""),
        )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Payout method added."))
    return redirect("rewards:earnings")


# --- Bounties -------------------------------------------------------------------------------


def _bounty_amount(raw: str, currency: str) -> object:
    """Points are whole numbers; cash is typed in euros ("12.50") like everywhere else.
    Anything else goes to the service as is, which refuses it with a clear message."""
    raw = raw.strip()
    if currency == settings.REWARDS_POINTS_CURRENCY:
        return int(raw) if raw.isdigit() else raw
    return _cents_from_form(raw)


_BOUNTY_ERROR_STATUS = (
    (ValidationError, 400),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
)


@login_required
@ratelimit(key="user", rate=settings.REWARDS_RATE_BOUNTIES, method="POST", block=True)
def bounty_offer(request: HttpRequest, thread_pk: int) -> HttpResponse:
    """The bounty form: inline on the thread page, and this page on its own (without
    JavaScript, and to show what was wrong with a refused offer)."""
    from forum.selectors import thread_get

    thread = thread_get(pk=thread_pk, viewer=request.user)
    if thread is None:
        raise Http404
    state = selectors.thread_bounty_state(thread=thread, user=request.user)
    if not state["can_offer"]:
        raise DjangoPermissionDenied
    status = 200
    values = {"amount": "", "currency": state["points_currency"], "days": state["default_days"]}
    if request.method == "POST":
        values = {k: request.POST.get(k, str(v)).strip() for k, v in values.items()}
        try:
            days = int(values["days"])
            if not 1 <= days <= 60:
                raise ValueError
        except ValueError:
            messages.error(request, _("Choose between 1 and 60 days."))
            status = 400
        else:
            try:
                services.bounty_create(
                    thread_id=thread.pk,
                    funder=request.user,
                    currency=values["currency"],
                    amount_minor=_bounty_amount(values["amount"], values["currency"]),
                    days=days,
                )
            except (ValidationError, PermissionDenied, NotFound, Conflict) as exc:
                _errors_to_messages(request, exc)
                status = next(code for kind, code in _BOUNTY_ERROR_STATUS if isinstance(exc, kind))
            else:
                messages.success(request, _("Your bounty is on the question."))
                return redirect(thread.get_absolute_url())
    context = {"thread": thread, "bounty": state, "values": values}
    return render(request, "rewards/bounty_offer.html", context, status=status)


@login_required
def finance(request: HttpRequest) -> HttpResponse:
    _require_finance(request)
    return _finance_page(request)


def _finance_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    state = request.GET.get("state") or PayoutState.REQUESTED
    context = {
        "state": state,
        "states": PayoutState.choices,
        "payouts": selectors.payouts_for_finance(state=state)[:200],
        "burn": selectors.program_burn(),
        "batches": SepaBatch.objects.order_by("-id")[:20],
    }
    return render(request, "rewards/finance.html", context, status=status)


@login_required
@require_POST
def finance_top_up(request: HttpRequest, pk: int) -> HttpResponse:
    """Add cash to a program's budget for this month; queued rewards are released at once."""
    _require_finance(request)
    program = get_object_or_404(Program, pk=pk)
    amount = _cents_from_form(request.POST.get("amount", ""))
    if not isinstance(amount, int) or amount <= 0:
        messages.error(
            request,
            _(
                "Enter a positive amount in %(currency)s with at most two decimals, "
                "e.g. 250 or 99.50."
            )
            % {"currency": program.currency},
        )
        return _finance_page(request, status=400)
    services.program_top_up(program=program, amount_minor=amount, actor=request.user)
    messages.success(
        request,
        _("%(program)s: budget of this month raised by %(amount)s %(currency)s.")
        % {"program": program.name, "amount": f"{amount / 100:.2f}", "currency": program.currency},
    )
    return redirect("rewards:finance")


@login_required
@require_POST
def finance_approve(request: HttpRequest, pk: int) -> HttpResponse:
    _require_finance(request)
    try:
        services.payout_approve(payout_id=pk, actor=request.user)
    except (NotFound, Conflict, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Payout approved."))
    return redirect("rewards:finance")


@login_required
@require_POST
def finance_reject(request: HttpRequest, pk: int) -> HttpResponse:
    _require_finance(request)
    try:
        services.payout_reject(
            payout_id=pk, actor=request.user, reason=request.POST.get("reason", "")
        )
    except (ValidationError, NotFound, Conflict, PermissionDenied) as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("Payout rejected; the money is back in the wallet."))
    return redirect("rewards:finance")


@login_required
@require_POST
def finance_sepa_batch(request: HttpRequest) -> HttpResponse:
    from rewards.providers.sepa import sepa_batch_create

    _require_finance(request)
    batch = sepa_batch_create(actor=request.user)
    if batch is None:
        messages.info(request, _("No SEPA payouts are waiting for a batch."))
    else:
        messages.success(request, _("SEPA batch %(id)s created.") % {"id": batch.message_id})
    return redirect("rewards:finance")


@login_required
def finance_sepa_download(request: HttpRequest, pk: int) -> HttpResponse:
    _require_finance(request)
    batch = get_object_or_404(SepaBatch, pk=pk)
    response = HttpResponse(batch.xml, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="pain001-{batch.message_id}.xml"'
    return response


@login_required
@require_POST
def finance_sepa_paid(request: HttpRequest, pk: int) -> HttpResponse:
    from rewards.providers.sepa import sepa_batch_mark_paid

    _require_finance(request)
    batch = get_object_or_404(SepaBatch, pk=pk)
    count = sepa_batch_mark_paid(batch_id=batch.pk)
    messages.success(request, _("%(n)s payouts marked paid.") % {"n": count})
    return redirect("rewards:finance")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:  # type: ignore[no-untyped-def]
    writer = csv.writer(_Echo())

    def stream():  # type: ignore[no-untyped-def]
        yield writer.writerow(header)
        for row in rows:
            # Spreadsheet formula injection: a leading =,+,-,@ in text is defused.
            yield writer.writerow(
                [f"'{c}" if isinstance(c, str) and c[:1] in "=+-@" else c for c in row]
            )

    response = StreamingHttpResponse(stream(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def export_ledger(request: HttpRequest) -> StreamingHttpResponse:
    _require_finance(request)
    rows = (
        LedgerEntry.objects.order_by("id")
        .values_list(
            "id",
            "transaction_id",
            "transaction__idempotency_key",
            "transaction__cause_type",
            "transaction__cause_id",
            "account_id",
            "account__kind",
            "account__owner_id",
            "currency",
            "amount_minor",
            "created_at",
        )
        .iterator(chunk_size=2000)
    )
    header = [
        "entry",
        "transaction",
        "key",
        "cause",
        "cause_id",
        "account",
        "kind",
        "owner",
        "currency",
        "amount_minor",
        "created_at",
    ]
    return _csv_response("ledger.csv", header, rows)


@login_required
def export_payouts(request: HttpRequest) -> StreamingHttpResponse:
    _require_finance(request)
    rows = (
        Payout.objects.order_by("id")
        .values_list(
            "id",
            "user_id",
            "user__username",
            "method__kind",
            "amount_minor",
            "currency",
            "state",
            "requested_at",
            "decided_by_id",
            "decided_at",
            "reject_reason",
            "provider_reference",
            "finished_at",
            "failure_reason",
        )
        .iterator(chunk_size=2000)
    )
    header = [
        "id",
        "user_id",
        "username",
        "method",
        "amount_minor",
        "currency",
        "state",
        "requested_at",
        "decided_by",
        "decided_at",
        "reject_reason",
        "reference",
        "finished_at",
        "failure_reason",
    ]
    return _csv_response("payouts.csv", header, rows)
