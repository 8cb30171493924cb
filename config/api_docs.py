"""The Swagger UI page (``/api/docs/``), made to run under the site's strict CSP.

The site's policy allows no inline script or style. drf-spectacular's plain Swagger view
renders its start-up script inline, so we use its split view instead: the page loads that
script as a same-origin file (``/api/docs/?script``), and Swagger UI itself comes from the
sidecar package's static files. Nothing is loaded from a CDN.

What is left inline is the template's small ``<style>`` block. Rather than loosening
``style-src`` for the page, the view allows exactly that block by its SHA-256 hash, computed
from the rendered page, so an upgrade of drf-spectacular that changes the block cannot break
or widen anything. The hash is added for this view only (Django's per-response CSP
override); every other response keeps ``settings.SECURE_CSP`` unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def _csp_source_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _allow_inline_styles_by_hash(response: Response) -> None:
    """Post-render: extend this response's CSP with the hashes of its own <style> blocks."""
    hashes = [_csp_source_hash(block) for block in _STYLE_BLOCK.findall(response.content.decode())]
    if not hashes:
        return
    policy = dict(settings.SECURE_CSP)
    policy["style-src"] = [*policy.get("style-src", []), *hashes]
    # Read by django.middleware.csp.ContentSecurityPolicyMiddleware (as csp_override sets it).
    response._csp_config = policy  # type: ignore[attr-defined]


class SwaggerDocsView(SpectacularSwaggerSplitView):
    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        if request.GET.get("script") is None:
            response.add_post_render_callback(_allow_inline_styles_by_hash)
        return response
