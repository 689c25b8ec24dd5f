"""Writing audit rows. Every service calls `record` inside its transaction, so a write
and its audit row land together or not at all."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vanguard.core.context import current_ip
from vanguard.core.models import AuditEntry


def entry(
    *,
    actor,
    action: str,
    obj: Any = None,
    summary: str = "",
    changes: dict | None = None,
    object_type: str = "",
    object_id: str | int = "",
) -> AuditEntry:
    """The audit row for one write, not yet saved (`record` saves it; `record_many`
    saves many in one statement)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry(
        actor=actor if is_user else None,
        actor_name=(actor.get_username() if is_user else str(actor or ""))[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        summary=summary[:500],
        changes=_jsonable(changes or {}),
        ip=current_ip.get(),
    )


def record(**kwargs) -> AuditEntry:
    """Writes the audit row of one write (the arguments of `entry`)."""
    row = entry(**kwargs)
    row.save()
    return row


def record_many(*, actor, action: str, entries: Iterable[tuple[Any, str]]) -> list[AuditEntry]:
    """One row per (object, summary), written in one statement: for a service that
    changes many objects at once (closing a run of branches) and would otherwise send
    one INSERT per object. The same rows `record` writes."""
    return AuditEntry.objects.bulk_create(
        entry(actor=actor, action=action, obj=obj, summary=summary) for obj, summary in entries
    )


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def diff(before: dict, after: dict) -> dict:
    """The fields that changed, as {field: [old, new]}."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}
