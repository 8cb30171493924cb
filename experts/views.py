"""Pages: leaderboards, an expert's standing, questions for you, routing preferences."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from experts import selectors, services
from experts.models import ExpertAvailability
from forum.models import Category
from forum.selectors import category_get, category_list


def _period(request: HttpRequest) -> str:
    period = request.GET.get("period", selectors.Period.ALL)
    return period if period in selectors.Period.CHOICES else selectors.Period.ALL


def _board(request: HttpRequest, category: Category | None) -> HttpResponse:
    period = _period(request)
    exclude_staff = request.GET.get("staff") == "0"
    rows = selectors.leaderboard(category=category, period=period, exclude_staff=exclude_staff)
    return render(
        request,
        "experts/leaderboard.html",
        {
            "category": category,
            "categories": category_list(),
            "rows": rows,
            "period": period,
            "exclude_staff": exclude_staff,
        },
    )


def leaderboard(request: HttpRequest) -> HttpResponse:
    return _board(request, None)


def category_leaderboard(request: HttpRequest, slug: str) -> HttpResponse:
    category = category_get(slug=slug)
    if category is None:
        raise Http404(_("This category does not exist."))
    return _board(request, category)


def expert_profile(request: HttpRequest, username: str) -> HttpResponse:
    person = User.objects.filter(username=username, is_active=True).first()
    if person is None:
        raise Http404(_("This person does not exist."))
    return render(
        request,
        "experts/profile.html",
        {
            "person": person,
            "total": selectors.user_total_score(user_id=person.pk),
            "standings": [s for s in selectors.standings_for(user=person) if s.category_id],
            "recent": selectors.recent_accepted_answers(user=person),
            "badges": list(selectors.badges_of(user=person)),
        },
    )


@login_required
def questions_for_you(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "experts/for_you.html",
        {"threads": selectors.questions_for(user=request.user)},  # type: ignore[arg-type]
    )


class AvailabilityForm(forms.Form):
    routing_opt_out = forms.BooleanField(
        label=gettext_lazy("Do not send me questions"), required=False
    )
    categories = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Only these categories (none = all)"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_per_day = forms.IntegerField(
        label=gettext_lazy("At most this many questions a day"),
        min_value=0,
        max_value=100,
        required=False,
    )


@login_required
def availability(request: HttpRequest) -> HttpResponse:
    current = ExpertAvailability.objects.filter(user=request.user).first()
    if request.method == "POST":
        form = AvailabilityForm(request.POST)
        if form.is_valid():
            services.availability_set(
                user_id=request.user.pk,
                routing_opt_out=form.cleaned_data["routing_opt_out"],
                category_ids=[c.pk for c in form.cleaned_data["categories"]],
                max_per_day=form.cleaned_data["max_per_day"],
            )
            messages.success(request, _("Your availability was saved."))
            return redirect("experts:availability")
    else:
        form = AvailabilityForm(
            initial={
                "routing_opt_out": current.routing_opt_out if current else False,
                "categories": list(current.categories.all()) if current else [],
                "max_per_day": current.max_per_day if current else None,
            }
        )
    return render(request, "experts/availability.html", {"form": form})
