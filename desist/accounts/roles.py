"""Kept only for code written before issue 13 moved the role declarations to the lowest floor:
import `desist.core.roles` instead. Nothing is defined here."""

from desist.core.roles import HOME_ORDER, ROLE_ORGANISATION_KINDS, RoleCode

__all__ = ["HOME_ORDER", "ROLE_ORGANISATION_KINDS", "RoleCode"]
