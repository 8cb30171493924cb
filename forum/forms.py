"""HTML forms of the forum pages.

Forms only parse the request; the domain rules (lengths, known tags, active categories)
live in ``forum.validators`` and are enforced by the services, whose ``ValidationError``
the views attach back to these fields with :func:`add_service_errors`.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from forum import selectors, validators
from forum.models import Category


def parse_tags(value: str) -> list[str]:
    """ "printer, wifi ,,Scanner" -> ["printer", "wifi", "scanner"] (order kept, no repeats)."""
    tags: list[str] = []
    for raw in (value or "").replace(";", ",").split(","):
        slug = raw.strip().lower()
        if slug and slug not in tags:
            tags.append(slug)
    return tags


def _domain_check(check: object, value: str, field: str) -> str:
    """Run a ``forum.validators`` check in a form, so every field's errors show at once
    (the service runs the same checks again; it is the one that counts)."""
    try:
        return check(value)  # type: ignore[operator]
    except ValidationError as exc:
        raise ValidationError(exc.message_dict.get(field) or exc.messages) from None


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's per-field errors on the form fields (unknown fields: form-wide)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class _TitleField(forms.CharField):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            label=_("Title"),
            strip=True,
            # The browser stops typing at the limit; the service has the last word.
            widget=forms.TextInput(
                attrs={
                    "maxlength": settings.FORUM_TITLE_MAX_LENGTH,
                    "autocomplete": "off",
                    "aria-describedby": "id_title_helptext",
                }
            ),
            help_text=_("Say what went wrong, as you would to a friend who knows the product."),
            **kwargs,  # type: ignore[arg-type]
        )


def _tags_help() -> str:
    return _("Up to %(n)d existing tags, separated by commas, e.g. wifi, setup.") % {
        "n": settings.FORUM_MAX_TAGS
    }


# Formatted when shown, so it is in the language of the request, not of the import.
_tags_help_text = lazy(_tags_help, str)


class _TagsField(forms.CharField):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            label=_("Tags"),
            required=False,
            help_text=_tags_help_text(),
            widget=forms.TextInput(
                attrs={"autocomplete": "off", "aria-describedby": "id_tags_helptext"}
            ),
            **kwargs,  # type: ignore[arg-type]
        )

    def clean(self, value: str) -> list[str]:  # type: ignore[override]
        return parse_tags(super().clean(value))


def _body_widget(rows: int, described_by: str) -> forms.Textarea:
    return forms.Textarea(
        attrs={
            "rows": rows,
            "maxlength": settings.FORUM_BODY_MAX_LENGTH,
            "aria-describedby": described_by,
        }
    )


class AskForm(forms.Form):
    title = _TitleField()
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        empty_label=_("Choose a category"),
        error_messages={"invalid_choice": _("Please choose one of the categories.")},
    )
    body = forms.CharField(
        label=_("Your question"),
        strip=False,
        widget=_body_widget(10, "id_body_helptext"),
        help_text=_(
            "Model, what you did, what happened and what you expected. Markdown is supported."
        ),
    )
    tags = _TagsField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["category"].queryset = selectors.category_list()  # type: ignore[attr-defined]

    def clean_title(self) -> str:
        return _domain_check(validators.validate_title, self.cleaned_data["title"], "title")

    def clean_body(self) -> str:
        return _domain_check(validators.validate_question_body, self.cleaned_data["body"], "body")

    def clean_tags(self) -> list[str]:
        tags = self.cleaned_data["tags"]
        _domain_check(validators.validate_tags, tags, "tags")
        return tags


class ThreadEditForm(forms.Form):
    title = _TitleField()
    body = forms.CharField(
        label=_("Your question"),
        strip=False,
        widget=_body_widget(12, "id_body_helptext"),
        help_text=_("Markdown is supported."),
    )
    tags = _TagsField()
    reason = forms.CharField(
        label=_("Edit summary"),
        required=False,
        max_length=200,
        help_text=_("Optional: what did you change?"),
    )

    def clean_title(self) -> str:
        return _domain_check(validators.validate_title, self.cleaned_data["title"], "title")

    def clean_body(self) -> str:
        return _domain_check(validators.validate_question_body, self.cleaned_data["body"], "body")

    def clean_tags(self) -> list[str]:
        tags = self.cleaned_data["tags"]
        _domain_check(validators.validate_tags, tags, "tags")
        return tags


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer"),
        strip=False,
        widget=_body_widget(8, "id_body_helptext"),
        help_text=_("Explain the steps that fixed it for you. Markdown is supported."),
    )

    def clean_body(self) -> str:
        return _domain_check(validators.validate_answer_body, self.cleaned_data["body"], "body")


class AnswerEditForm(AnswerForm):
    reason = forms.CharField(
        label=_("Edit summary"),
        required=False,
        max_length=200,
        help_text=_("Optional: what did you change?"),
    )


class VoteForm(forms.Form):
    value = forms.TypedChoiceField(
        choices=[("1", "+1"), ("-1", "-1"), ("0", "0")], coerce=int, empty_value=None
    )
