"""The search page: parse the form -> one search call -> render. Never a 500 for input:
a bad filter is shown as a form error and an unusable query gives no results."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from forum.models import Category, Tag
from forum.search import SearchFilters, SearchResults, StatusFilter, search_threads
from forum.selectors import category_list

PER_PAGE = 20
MAX_PAGE = 1000


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False, strip=True)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("All categories"),
    )
    tag = forms.SlugField(label=_("Tag"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any")),
            (StatusFilter.SOLVED, _("Solved")),
            (StatusFilter.UNSOLVED, _("Unsolved")),
        ],
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = category_list()

    def add_prefix(self, field_name: str) -> str:
        # The URL parameters are "from" and "to"; "from" cannot be a Python name.
        return {"date_from": "from", "date_to": "to"}.get(field_name, field_name)

    def clean_tag(self) -> Tag | None:
        slug = self.cleaned_data.get("tag")
        if not slug:
            return None
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            raise forms.ValidationError(_("There is no such tag."))
        return tag

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start."))
        return data

    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        return SearchFilters(
            category=data.get("category"),
            tag=data.get("tag"),
            status=data.get("status") or None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


def _page_number(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        return 1


def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results: SearchResults | None = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        results = search_threads(
            query=form.cleaned_data["q"],
            viewer=request.user,
            filters=form.filters(),
            page=_page_number(request),
            per_page=PER_PAGE,
        )
    return render(request, "forum/search.html", {"form": form, "results": results})
