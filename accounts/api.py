"""The caller's own account (``me/``) and API tokens (``auth/token/``)."""

from __future__ import annotations

import zoneinfo

from allauth.account import app_settings as allauth_settings
from allauth.account.utils import has_verified_email
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import User
from accounts.roles import is_moderator, is_staff_member, roles_of
from core.api import WRITE_THROTTLE_CLASSES, error_responses


def _validate_time_zone(value: str) -> str:
    if value and value not in zoneinfo.available_timezones():
        raise serializers.ValidationError(_("Unknown time zone."))
    return value


class MeApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"

    class InputSerializer(serializers.Serializer):
        display_name = serializers.CharField(required=False, allow_blank=True, max_length=80)
        locale = serializers.ChoiceField(
            choices=[("", gettext_lazy("Browser default")), *settings.LANGUAGES], required=False
        )
        # A free string checked against the IANA list: an enum of ~600 names would bloat
        # the schema for no client's benefit.
        time_zone = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=64,
            validators=[_validate_time_zone],
            help_text='IANA name, e.g. "Europe/Berlin"; empty for the site default.',
        )

        class Meta:
            ref_name = "MeUpdate"

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        display_name = serializers.CharField()
        public_name = serializers.CharField()
        email = serializers.EmailField()
        locale = serializers.CharField()
        time_zone = serializers.CharField()
        roles = serializers.ListField(child=serializers.CharField())
        is_moderator = serializers.BooleanField()
        is_staff_member = serializers.BooleanField()
        date_joined = serializers.DateTimeField()
        profile_url = serializers.URLField()

        class Meta:
            ref_name = "Me"

    def _output(self, request: Request, user: User) -> dict:
        data = {
            "id": user.pk,
            "username": user.username,
            "display_name": user.display_name,
            "public_name": user.public_name,
            "email": user.email,
            "locale": user.locale,
            "time_zone": user.time_zone,
            "roles": sorted(roles_of(user)),
            "is_moderator": is_moderator(user),
            "is_staff_member": is_staff_member(user),
            "date_joined": user.date_joined,
            "profile_url": request.build_absolute_uri(
                reverse("forum:profile", kwargs={"username": user.username})
            ),
        }
        return self.OutputSerializer(data).data

    @extend_schema(
        operation_id="me_retrieve",
        summary="Your profile, preferences and roles",
        responses={200: OutputSerializer, **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        return Response(self._output(request, request.user))

    @extend_schema(
        operation_id="me_partial_update",
        summary="Change your display name, language or time zone",
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 429)},
    )
    def patch(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user: User = request.user
        data = serializer.validated_data
        user = services.user_update_preferences(
            user=user,
            display_name=data.get("display_name", user.display_name),
            locale=data.get("locale", user.locale),
            time_zone=data.get("time_zone", user.time_zone),
        )
        return Response(self._output(request, user))


class AuthTokenCreateApi(APIView):
    # No authentication: the token is returned in the body, never set as a cookie, so
    # there is no login CSRF to defend against, and a stale session must not interfere.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    # Strict, per client IP: this endpoint checks passwords.
    throttle_scope = "auth_token"

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})

        class Meta:
            ref_name = "TokenRequest"

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(
            help_text='Send it as "Authorization: Token <token>" on every request.'
        )

        class Meta:
            ref_name = "Token"

    @extend_schema(
        operation_id="auth_token_create",
        summary="Exchange e-mail and password for an API token",
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            email=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
        )
        # One answer for every refusal, so the endpoint does not reveal which e-mail
        # addresses have accounts.
        refused = DjangoValidationError(
            _("The e-mail address and password do not match an account."),
            code="invalid_credentials",
        )
        if user is None or not user.is_active:
            raise refused
        if (
            allauth_settings.EMAIL_VERIFICATION
            == allauth_settings.EmailVerificationMethod.MANDATORY
            and not has_verified_email(user)
        ):
            # The password was right, so saying why reveals nothing new.
            raise DjangoValidationError(
                _("Please confirm your e-mail address first."), code="email_unverified"
            )
        token = services.api_token_get_or_create(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)


# --- Privacy --------------------------------------------------------------------------------


class DataExportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    created_at = serializers.DateTimeField()
    ready_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.CharField(
        allow_blank=True, help_text="Signed, expiring link (empty until ready)."
    )

    class Meta:
        ref_name = "DataExport"


def _export_out(request: Request, export: object) -> dict:
    from accounts import privacy

    url = ""
    if export.state == "ready":  # type: ignore[attr-defined]
        url = request.build_absolute_uri(
            reverse(
                "accounts:privacy_download",
                kwargs={"token": privacy.data_export_token(export)},  # type: ignore[arg-type]
            )
        )
    return DataExportOutput(
        {
            "id": export.pk,  # type: ignore[attr-defined]
            "state": export.state,  # type: ignore[attr-defined]
            "created_at": export.created_at,  # type: ignore[attr-defined]
            "ready_at": export.ready_at,  # type: ignore[attr-defined]
            "download_url": url,
        }
    ).data


class MeDataExportApi(APIView):
    """Your data exports. Only ever your own: there is no id in the URL to guess."""

    permission_classes = [IsAuthenticated]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"

    @extend_schema(
        operation_id="me_exports_list",
        summary="Your data exports (newest first)",
        responses={200: DataExportOutput(many=True), **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        from accounts.models import DataExport

        exports = DataExport.objects.filter(user=request.user).order_by("-created_at")[:10]
        return Response([_export_out(request, e) for e in exports])

    @extend_schema(
        operation_id="me_exports_create",
        summary="Prepare an archive of everything we hold about you",
        request=None,
        responses={202: DataExportOutput, **error_responses(401, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        from accounts import privacy

        export = privacy.data_export_request(user=request.user)
        export.refresh_from_db()
        return Response(_export_out(request, export), status=202)


class EraseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    public_name = serializers.CharField()

    class Meta:
        ref_name = "Erasure"


class MeEraseApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"

    class InputSerializer(serializers.Serializer):
        confirm = serializers.CharField(help_text="Your username, to confirm.")

        class Meta:
            ref_name = "EraseConfirm"

    @extend_schema(
        operation_id="me_erase",
        summary="Erase your account (personal data wiped, posts kept anonymously)",
        request=InputSerializer,
        responses={200: EraseOutput, **error_responses(400, 401, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        from accounts import privacy

        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["confirm"] != request.user.username:
            raise DjangoValidationError(
                {"confirm": [_("Type your username exactly to confirm.")]}, code="invalid"
            )
        user = privacy.user_erase(user=request.user, actor=request.user)
        return Response(EraseOutput({"id": user.pk, "public_name": user.public_name}).data)


class UserEraseApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"

    @extend_schema(
        operation_id="user_erase",
        summary="Erase someone's account (administrators)",
        request=None,
        responses={200: EraseOutput, **error_responses(401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        from django.shortcuts import get_object_or_404

        from accounts import privacy
        from accounts.permission_table import allows
        from core.exceptions import PermissionDenied

        if not allows(request.user, "privacy.erase_any"):
            raise PermissionDenied(_("Only administrators can erase other accounts."))
        user = privacy.user_erase(user=get_object_or_404(User, pk=pk), actor=request.user)
        return Response(EraseOutput({"id": user.pk, "public_name": user.public_name}).data)
