"""Task pages (issue 19). Thin: selectors read, commands write."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from desist import policy
from desist.accounts.http import AuthedRequest
from desist.audit.services import audit_consultation
from desist.core.forms import add_service_errors
from desist.core.reach import reach_context, reach_from
from desist.policy import Perm
from desist.tasks import selectors, services
from desist.tasks.forms import CancelForm, CompleteForm, TaskForm
from desist.tasks.models import Task, TaskKind, TaskStatus

# Tasks are added on these records; each is read through its own app's scope.
RECORDS = {
    "case": ("cases.Case", policy.scope_cases, "cases:detail", "case_id"),
    "order": ("orders.Order", policy.scope_orders, "orders:detail", "order_id"),
}


def _record(request: AuthedRequest, kind: str, record_id: int) -> Model:
    if kind not in RECORDS:
        raise Http404
    label, scope, _, _ = RECORDS[kind]
    model = apps.get_model(label)
    record = scope(request.user, model._default_manager.all()).filter(pk=record_id).first()
    if record is None:
        raise Http404
    policy.require(request.user, Perm.TASK_EDIT, record)
    return record


def record_url(record: Model | None) -> str:
    if record is None:
        return reverse("tasks:list")
    kind = "order" if record._meta.label == "orders.Order" else "case"
    _, _, name, kwarg = RECORDS[kind]
    return reverse(name, kwargs={kwarg: record.pk})


def _query_without_page(request: AuthedRequest) -> str:
    keep = request.GET.copy()
    keep.pop("page", None)
    return keep.urlencode()


@login_required
def task_list(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.TASK_VIEW)
    reach = reach_from(request.GET.get("view"))
    status = request.GET.get("status", TaskStatus.OPEN)
    kind = request.GET.get("kind", "")
    overdue = request.GET.get("overdue") == "1"
    tasks = selectors.task_list_for(
        actor=request.user, reach=reach, status=status, kind=kind, overdue=overdue
    )
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    audit_consultation(
        actor=request.user,
        object_type="tasks.Task",
        verb="task.list",
        new={"page": page.number, "view": reach.value, "status": status},
    )
    return render(
        request,
        "tasks/task_list.html",
        {
            "page": page,
            "status": status,
            "statuses": [("", "Any"), *TaskStatus.choices],
            "kind": kind,
            "kinds": [("", "Any"), *TaskKind.choices],
            "overdue": overdue,
            "today": timezone.localdate(),
            "can_add": policy.has_perm(request.user, Perm.TASK_EDIT),
            "can_workload": policy.has_perm(request.user, Perm.WORKLOAD_VIEW),
            "query": _query_without_page(request),
            **reach_context(request.GET, reach),
        },
    )


@login_required
def task_new(request: AuthedRequest, kind: str = "", record_id: int = 0) -> HttpResponse:
    policy.require_perm(request.user, Perm.TASK_EDIT)
    record = _record(request, kind, record_id) if kind else None
    force_id = record.force_id if record is not None else request.user.organisation_id  # type: ignore[attr-defined]
    officers = selectors.officer_choices(force_id or 0)
    form = TaskForm(request.POST or None, officers=officers)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_create(
                actor=request.user,
                record=record,
                title=form.cleaned_data["title"],
                due_on=form.cleaned_data["due_on"],
                assignee_id=form.cleaned_data["assignee"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Task added")
            return redirect(record_url(record))
    if request.method == "GET" and record is not None:  # headed with the record it is on
        audit_consultation(actor=request.user, obj=record, verb="task.view_for_new")
    elif request.method == "GET":  # the officer list names staff (as accounts:invite)
        audit_consultation(actor=request.user, object_type="accounts.User", verb="task.new_form")
    return render(
        request,
        "tasks/task_form.html",
        {"form": form, "record": record, "back": record_url(record)},
    )


def _detail_context(request: AuthedRequest, task: Task) -> dict[str, object]:
    return {
        "task": task,
        "back": record_url(task.record),
        "can_edit": task.status == TaskStatus.OPEN
        and policy.can(request.user, Perm.TASK_EDIT, task),
        "can_complete": task.status == TaskStatus.OPEN
        and policy.task_completable(request.user, task),
    }


@login_required
def task_detail(request: AuthedRequest, task_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.TASK_VIEW)
    task = selectors.task_get_for(actor=request.user, task_id=task_id)
    audit_consultation(actor=request.user, obj=task, verb="task.view")
    context = _detail_context(request, task)
    context["cancel_form"] = CancelForm(initial={"version": task.version})
    return render(request, "tasks/task_detail.html", context)


@login_required
@require_POST
def task_complete(request: AuthedRequest, task_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.TASK_VIEW)
    task = selectors.task_get_for(actor=request.user, task_id=task_id)
    if not policy.task_completable(request.user, task):
        raise PermissionDenied
    form = CompleteForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Reload the page and try again")
        services.task_complete(actor=request.user, task=task, version=form.cleaned_data["version"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("tasks:detail", task_id=task.pk)
    messages.success(request, "Task done")
    return redirect("tasks:list")


@login_required
@require_POST
def task_cancel(request: AuthedRequest, task_id: int) -> HttpResponse:
    policy.require_perm(request.user, Perm.TASK_EDIT)
    task = selectors.task_get_for(actor=request.user, task_id=task_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.task_cancel(
                actor=request.user,
                task=task,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Task cancelled")
            return redirect("tasks:list")
    audit_consultation(actor=request.user, obj=task, verb="task.view")
    context = _detail_context(request, task)
    context["cancel_form"] = form
    return render(request, "tasks/task_detail.html", context)


@login_required
def workload(request: AuthedRequest) -> HttpResponse:
    policy.require_perm(request.user, Perm.WORKLOAD_VIEW)
    labels, rows = selectors.workload_for(actor=request.user)
    audit_consultation(
        actor=request.user,
        object_type="accounts.User",
        verb="task.workload_view",
        new={"officers": [row.officer.pk for row in rows]},
    )
    return render(
        request,
        "tasks/workload.html",
        {"labels": labels, "rows": rows, "unassigned": selectors.unassigned_count(request.user)},
    )
