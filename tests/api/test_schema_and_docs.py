"""The OpenAPI schema covers the whole API and is valid; the Swagger page runs under the
site's strict Content Security Policy."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.permissions import SAFE_METHODS
from rest_framework.views import APIView

API_PREFIX = "/api/v1/"
# The stricter house rules below are checked on the forum and account endpoints; other apps'
# endpoints share /api/v1/ and are held to completeness and declared permissions only
# (escalations' signed inbound webhook, for one, is rightly open to anonymous POSTs).
OUR_API_MODULES = {"forum.api", "accounts.api"}
PUBLIC_WRITES = {("post", "/api/v1/auth/token/")}  # signing in needs no credentials


def _api_patterns() -> list[tuple[str, URLPattern]]:
    """Every URL pattern under /api/v1/, as an OpenAPI path ("/api/v1/threads/{id}/")."""
    found: list[tuple[str, URLPattern]] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            else:
                found.append((route, pattern))

    walk(get_resolver().url_patterns, "/")
    converted = []
    for route, pattern in found:
        if route.startswith(API_PREFIX):
            # drf-spectacular names a "pk" path parameter "id" (SCHEMA_COERCE_PATH_PK).
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).replace("{pk}", "{id}")
            converted.append((path, pattern))
    return converted


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_validates_without_warnings(tmp_path):
    # The same command CI runs; --fail-on-warn turns any unresolvable field or name
    # collision into a failure.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi:")


def test_the_schema_lists_every_api_url(schema):
    urls = {path for path, _ in _api_patterns()}
    assert urls, "no /api/v1/ URL patterns found"
    documented = {path for path in schema["paths"] if path.startswith(API_PREFIX)}
    assert urls == documented


def _our_paths() -> set[str]:
    return {
        path
        for path, pattern in _api_patterns()
        if pattern.callback.cls.__module__ in OUR_API_MODULES
    }


def test_every_api_view_states_its_own_permissions():
    for path, pattern in _api_patterns():
        view = pattern.callback.cls
        assert issubclass(view, APIView), path
        # Stated by the view or one of our base classes, never DRF's project-wide default.
        stated = any(
            "permission_classes" in klass.__dict__
            for klass in view.__mro__
            if not klass.__module__.startswith("rest_framework")
        )
        assert stated, f"{view.__name__} ({path}) relies on the default permissions"


def test_every_operation_declares_its_security(schema):
    for path, operations in schema["paths"].items():
        if path.startswith(API_PREFIX):
            for method, operation in operations.items():
                assert operation.get("security"), f"{method} {path} declares no security"


def test_our_writes_need_credentials_and_spend_a_throttle_scope(schema):
    our_paths = _our_paths()
    assert len(our_paths) == 14  # + me/exports, me/erase, users/{id}/erase (privacy), comments
    for path, pattern in _api_patterns():
        if path not in our_paths:
            continue
        view = pattern.callback.cls
        for method, operation in schema["paths"][path].items():
            if method.upper() in SAFE_METHODS:
                continue
            assert view.throttle_scope, f"{view.__name__} ({path})"
            if (method, path) in PUBLIC_WRITES:
                continue
            assert {} not in operation["security"], f"{method} {path} is writable anonymously"
            assert "401" in operation["responses"], f"{method} {path} documents no 401"


def test_our_operations_document_their_errors_in_the_one_shape(schema):
    for path in _our_paths():
        for method, operation in schema["paths"][path].items():
            errors = {code for code in operation["responses"] if code.startswith("4")}
            assert errors, f"{method} {path} documents no error responses"
            for code in errors:
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (
                    method, path, code,
                )  # fmt: skip


def test_the_schema_is_served(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/threads/" in response.json()["paths"]


# --- Swagger UI under the CSP ---------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    policy = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


def test_the_docs_page_loads_everything_from_our_own_origin_under_the_strict_csp(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    policy = _csp(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    # No inline script: every <script> has a src on this site.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    script_srcs = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in src for src in script_srcs)
    assert "/api/docs/?script=" in script_srcs
    assert all(src.startswith("/") for src in script_srcs), script_srcs
    # The one inline <style> block is allowed by its hash, and nothing else is.
    blocks = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    hashes = [
        f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in blocks
    ]
    assert policy["style-src"] == ["'self'", *hashes]


def test_the_docs_start_up_script_is_served_as_a_same_origin_file(client, db):
    response = client.get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    body = response.content.decode()
    assert "SwaggerUIBundle(" in body
    assert '"/api/schema/"' in body


def test_the_swagger_ui_files_are_shipped_as_static_files():
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{name}"), name


def test_other_pages_keep_the_site_policy_without_the_docs_hashes(client, db):
    response = client.get("/api/v1/categories/")
    assert _csp(response)["style-src"] == ["'self'"]


def test_nested_view_serializers_are_named_after_their_view():
    from rest_framework import serializers

    from config.api_schema import AutoSchema

    class LeaderboardApi:
        class OutputSerializer(serializers.Serializer):
            class Badge(serializers.Serializer):
                pass

    # Defined inside a function, the qualname has "<locals>": drf-spectacular's default.
    schema = AutoSchema()
    assert "<locals>" in LeaderboardApi.OutputSerializer.__qualname__
    assert schema.get_serializer_name(LeaderboardApi.OutputSerializer(), "response") == (
        "OutputSerializer"
    )

    LeaderboardApi.OutputSerializer.__qualname__ = "LeaderboardApi.OutputSerializer"
    LeaderboardApi.OutputSerializer.Badge.__qualname__ = "LeaderboardApi.OutputSerializer.Badge"
    assert schema.get_serializer_name(LeaderboardApi.OutputSerializer(), "response") == (
        "LeaderboardOutput"
    )
    assert schema.get_serializer_name(LeaderboardApi.OutputSerializer.Badge(), "response") == (
        "LeaderboardOutputBadge"
    )
