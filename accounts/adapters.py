from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.auth.models import Group
from django.http import HttpRequest

from accounts.models import User
from accounts.roles import Role


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: User, form, commit: bool = True) -> User:  # type: ignore[override]
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data.get("display_name", "") or user.display_name
        user.signup_ip = self.get_client_ip(request) if request is not None else None
        if commit:
            user.save()
            user.groups.add(Group.objects.get_or_create(name=Role.CUSTOMER)[0])
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request: HttpRequest, sociallogin, form=None) -> User:  # type: ignore[override]
        user = super().save_user(request, sociallogin, form)
        if not user.display_name:
            user.display_name = (user.get_full_name() or user.username)[:80]
            user.save(update_fields=["display_name"])
        user.groups.add(Group.objects.get_or_create(name=Role.CUSTOMER)[0])
        return user
