"""Mine, my team, force: the three views of police work (issue 19).

A record's owner is its officer in charge and its team (cases and orders; see
`desist.cases.ownership`). A queue narrows what the actor may already see (the policy's scope
comes first, always) to what is theirs or their team's. Kept on the lowest floor so every
app's queue, and the home page, use the one meaning.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q, QuerySet


class Reach(models.TextChoices):
    MINE = "mine", "Mine"
    TEAM = "team", "My team"
    FORCE = "force", "Force"


# A subject is someone's through any of its cases or orders.
SUBJECT_OWNERS = ("cases__", "orders__")


def reach_from(value: str | None, default: Reach = Reach.MINE) -> Reach:
    """The reach a request asked for; anything unknown is the default, never an error."""
    return Reach(value) if value in Reach.values else default


def owned_by(
    actor: Any,
    reach: Reach,
    *,
    via: tuple[str, ...] = ("",),
    officer: str = "officer_in_charge",
    team: str = "team",
) -> Q | None:
    """The filter for `reach`: None for the whole force. `via` names the paths to the owned
    records ("" for the record itself, "order__" for a notification, "cases__" and "orders__"
    for a subject, any one of which makes it the actor's). `officer` and `team` name the
    owner's fields (a task's are its assignee and the assignee's team)."""
    if reach == Reach.FORCE:
        return None
    if reach == Reach.TEAM and not getattr(actor, "team", ""):
        return Q(pk__in=[])  # someone in no team has no team work
    found = Q(pk__in=[])
    for path in via:
        if reach == Reach.MINE:
            found |= Q(**{f"{path}{officer}": actor.pk})
        else:
            found |= Q(**{f"{path}{team}": actor.team})
    return found


def narrow(
    qs: QuerySet[Any], actor: Any, reach: Reach, *, via: tuple[str, ...] = ("",), **fields: str
) -> Any:
    """`qs` cut to the actor's (or their team's) records. Through several paths (to-many) the
    match is a subquery, so no row is repeated and the count stays one query. `fields` as for
    `owned_by`."""
    found = owned_by(actor, reach, via=via, **fields)
    if found is None:
        return qs
    if len(via) == 1:
        return qs.filter(found)
    return qs.filter(pk__in=qs.model._default_manager.filter(found).values("pk"))


def reach_context(query: Any, reach: Reach) -> dict[str, Any]:
    """What `includes/reach_nav.html` needs: the choices, the one shown, and the rest of the
    query (filters kept, page dropped) for each link."""
    keep = query.copy()
    keep.pop("view", None)
    keep.pop("page", None)
    return {"reaches": Reach.choices, "reach": reach.value, "reach_keep": keep.urlencode()}
