from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.kinds import Kind
from notifications.models import EmailFrequency


class PreferencesForm(forms.Form):
    """One e-mail choice and one in-app switch per kind, plus auto-watch."""

    auto_watch = forms.BooleanField(label=_("Watch questions I ask or answer"), required=False)

    def __init__(self, *args: object, preferences: list[dict], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.kind_rows = []
        for row in preferences:
            email_name = f"email_{row['kind']}"
            in_app_name = f"in_app_{row['kind']}"
            self.fields[email_name] = forms.ChoiceField(
                label=row["label"], choices=EmailFrequency.choices, initial=row["email"]
            )
            self.fields[in_app_name] = forms.BooleanField(
                label=_("Show in my notifications"), required=False, initial=row["in_app"]
            )
            self.kind_rows.append((row["label"], email_name, in_app_name))

    def kind_fields(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(label, self[e], self[i]) for label, e, i in self.kind_rows]

    def choices(self) -> dict[str, tuple[str, bool]]:
        return {
            kind: (self.cleaned_data[f"email_{kind}"], self.cleaned_data[f"in_app_{kind}"])
            for kind in Kind.values
        }
