"""The operator page for alert e-mails failing to send (issue 12). Its own module while the
break-glass work reshapes views.py; thin like the others: permission, selector, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from desist.accounts.http import AuthedRequest
from desist.sharing import outbox
from desist.sharing.services import MAX_ATTEMPTS

PAGE_SIZE = 50


@login_required
def email_failures(request: AuthedRequest) -> HttpResponse:
    emails = outbox.email_failures_for(actor=request.user)
    page = Paginator(emails, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing/email_failures.html",
        {
            "page": page,
            "max_attempts": MAX_ATTEMPTS,
            "timeout": settings.EMAIL_TIMEOUT,
        },
    )
