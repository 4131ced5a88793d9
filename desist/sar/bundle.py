"""The bundle's two forms: the JSON as stored, and a PDF through WeasyPrint (the evaluation
report's path), with the protective marking on every page (ADR 0030)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.template.loader import render_to_string

from desist.core.marking import MARKING
from desist.core.pdf import html_to_pdf
from desist.sar.models import AccessRequest
from desist.sar.services import bundle_of


def bundle_json(request: AccessRequest) -> bytes:
    return json.dumps(bundle_of(request), indent=2, ensure_ascii=False).encode()


def bundle_html(request: AccessRequest) -> str:
    bundle = bundle_of(request)
    generated = bundle.get("request", {}).get("generated_at")
    context: dict[str, Any] = {
        "bundle": bundle,
        "request": request,
        "generated_at": dt.datetime.fromisoformat(generated) if generated else None,
        "protective_marking": MARKING,
    }
    return render_to_string("sar/bundle_pdf.html", context)


def bundle_pdf(request: AccessRequest) -> bytes:
    return html_to_pdf(bundle_html(request))  # tagged: a screen reader reads it in order


def file_stem(request: AccessRequest) -> str:
    return f"desist-{request.reference.lower()}"
