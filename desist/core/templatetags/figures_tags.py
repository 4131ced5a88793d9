"""Figures in templates through the one rounding rule (desist/core/figures.py)."""

from __future__ import annotations

from typing import Any

from django import template

from desist.core import figures

register = template.Library()


@register.filter
def money(value: Any) -> str:
    """Pounds and pence: {{ amount|money }}."""
    return figures.money(value)
