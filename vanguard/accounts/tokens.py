"""Bearer tokens for the JSON API: random, stored hashed, expiring, revocable.

The raw token is shown to the client once, when issued; the database holds only its
SHA-256, so a leaked backup cannot be replayed. A token is refused once expired or
revoked, or when its user has been deactivated."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from vanguard.accounts.models import ApiToken, User

DEFAULT_HOURS = 8
# 32 bytes of randomness, 43 URL-safe characters: far beyond guessing.
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 200


def lifetime() -> timedelta:
    return timedelta(hours=getattr(settings, "API_TOKEN_HOURS", DEFAULT_HOURS))


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue(*, user: User, client: str = "") -> tuple[str, ApiToken]:
    """A new token for `user`: (the raw token to hand out once, the stored row)."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken.objects.create(
        user=user,
        key_hash=digest(raw),
        client=client[:200],
        expires_at=timezone.now() + lifetime(),
    )
    return raw, token


def resolve(raw: str) -> ApiToken | None:
    """The live token matching `raw`, with its user, or None."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=digest(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        token.revoked_at = timezone.now()
