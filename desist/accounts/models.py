from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from desist.accounts.roles import HOME_ORDER, RoleCode
from desist.core.models import Organisation


class Role(models.Model):
    """A row per RoleCode, kept in step with the code by `roles_sync`."""

    code = models.CharField(max_length=40, primary_key=True, choices=RoleCode.choices)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="users", null=True
    )
    roles = models.ManyToManyField(Role, related_name="users", blank=True)
    is_demo = models.BooleanField(default=False)
    disabled_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["username"]

    @cached_property
    def role_codes(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        return frozenset(self.roles.values_list("code", flat=True))

    @property
    def primary_role(self) -> RoleCode | None:
        for code in HOME_ORDER:
            if code in self.role_codes:
                return code
        return None

    @property
    def role_names(self) -> list[str]:
        return [RoleCode(c).label for c in HOME_ORDER if c in self.role_codes]

    def display_name(self) -> str:
        return self.get_full_name() or self.username


class UserSession(models.Model):
    """Sessions per user, so disabling an account can end them all at once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tracked_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"session of {self.user_id}"
