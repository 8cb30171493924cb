from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from escalations.models import CaseState, Resolution
from forum.models import Category


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All unresolved")), *CaseState.choices]
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.filter(is_active=True),
        empty_label=_("All categories"),
    )
    assignee = forms.ChoiceField(
        label=_("Assignee"),
        required=False,
        choices=[("", _("Anyone")), ("me", _("Me")), ("none", _("Unassigned"))],
    )


class AskStaffForm(forms.Form):
    reason = forms.CharField(
        label=_("What is still missing?"), required=False, max_length=2000, widget=forms.Textarea
    )


class AssignForm(forms.Form):
    assignee = forms.IntegerField(label=_("Assignee"), widget=forms.Select)

    def __init__(self, *args: object, staff: list | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["assignee"].widget.choices = [(u.pk, u.public_name) for u in staff or []]


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("Resolution"), choices=Resolution.choices, initial=Resolution.BY_STAFF
    )


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Internal note"), max_length=10_000, widget=forms.Textarea)


class AnswerForm(forms.Form):
    body = forms.CharField(label=_("Official answer"), widget=forms.Textarea)
    accept = forms.BooleanField(label=_("Accept this answer now"), required=False)
