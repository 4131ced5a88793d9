"""The request type for views behind `login_required`, where the user is always a `User`."""

from __future__ import annotations

from django.http import HttpRequest

from desist.accounts.models import User


class AuthedRequest(HttpRequest):
    """`request.user` typed as `User`: annotate only views that `login_required` guards."""

    user: User
