"""How the register follows changes to the organisation tree."""

from django.dispatch import receiver
from django.utils import timezone

from vanguard.core.errors import DomainError
from vanguard.organizations.signals import organization_dissolving, organization_merged
from vanguard.people.models import Person, PersonEvent, PersonEventKind, RecordStatus


@receiver(organization_dissolving)
def _refuse_dissolving_with_people(sender, organization, acting_user, **kwargs):
    active = Person.objects.filter(status=RecordStatus.ACTIVE)
    field = "group" if organization.kind == "group" else "branch"
    count = active.filter(**{field: organization}).count()
    if count:
        raise DomainError(
            f"组织：“{organization.name}”还有 {count} 名在册人员，请先转接他们或将本组织并入其他组织",
            field="组织",
            code="has_people",
        )


@receiver(organization_merged)
def _move_people_on_merge(sender, source, target, on, acting_user, **kwargs):
    actor = acting_user if acting_user is not None and acting_user.is_authenticated else None
    if source.kind == "group":
        people = Person.objects.filter(group=source)
        moved = list(people.values_list("pk", "branch_id"))
        people.update(group=target, branch_id=target.parent_id, updated_at=timezone.now())
        events = [
            PersonEvent(
                person_id=pk,
                kind=PersonEventKind.TRANSFERRED,
                on=on,
                from_branch_id=branch_id,
                to_branch_id=target.parent_id,
                summary=f"党小组“{source.name}”并入“{target.name}”",
                actor=actor,
            )
            for pk, branch_id in moved
        ]
    elif source.kind == "branch":
        people = Person.objects.filter(branch=source)
        ids = list(people.values_list("pk", flat=True))
        # Groups of the source were re-parented to the target before this signal, so
        # people keep their group.
        people.update(branch=target, updated_at=timezone.now())
        events = [
            PersonEvent(
                person_id=pk,
                kind=PersonEventKind.TRANSFERRED,
                on=on,
                from_branch=source,
                to_branch=target,
                summary=f"“{source.name}”并入“{target.name}”",
                actor=actor,
            )
            for pk in ids
        ]
    else:
        return
    PersonEvent.objects.bulk_create(events, batch_size=1000)
