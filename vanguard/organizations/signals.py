"""Signals other contexts listen to, so that organisations never import them.

- organization_dissolving(organization, acting_user): a receiver raises DomainError to
  refuse (e.g. people: the branch still has members).
- organization_merged(source, target, on, acting_user): receivers move what hung on
  the source (people: members move to the target branch, with a transfer event).
"""

from django.dispatch import Signal

organization_dissolving = Signal()
organization_merged = Signal()
