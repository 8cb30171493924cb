from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from forum.models import Category
from listening.models import ActionKind


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=ActionKind.choices)
    thread_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(is_active=True),
        required=False,
        label=_("Category"),
    )
    title = forms.CharField(required=False, max_length=200, label=_("Title"))
    body = forms.CharField(
        required=False,
        max_length=30_000,
        label=_("Question text (Markdown; empty: quote the original)"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
