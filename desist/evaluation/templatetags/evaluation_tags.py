"""Charts are shown as <img> with an SVG data URI: the page's Content-Security-Policy allows
data: images, and an SVG's own styles never run in the page (no inline style, no script)."""

from __future__ import annotations

import base64

from django import template

register = template.Library()


@register.filter
def svg_data_uri(svg: str) -> str:
    if not svg:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
