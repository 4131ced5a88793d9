"""Police-side victim views: thin; they call selectors (reads, access) and services (writes).

The form is mounted under the case it belongs to (cases/urls.py: cases:victim_add).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from desist import policy
from desist.cases import selectors as case_selectors
from desist.people.forms import add_service_errors
from desist.policy import Perm
from desist.safeguarding import services
from desist.safeguarding.forms import VictimForm


@login_required
@require_http_methods(["GET", "POST"])
def victim_add(request: HttpRequest, case_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.VICTIM_EDIT)
    case = case_selectors.case_get_for(actor=request.user, case_id=case_id)
    policy.require(request.user, Perm.CASE_EDIT, case)
    form = VictimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            victim = services.victim_create(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Victim {victim.reference} has been added to the case")
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "safeguarding/victim_form.html", {"form": form, "case": case})
