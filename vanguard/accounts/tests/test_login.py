"""Logins: lockout after 5 failures on every path, idle sessions end, Argon2, complexity."""

from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from vanguard.accounts.models import LoginFailure, Role
from vanguard.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_and_logout_are_audited(client, users):
    response = _login(client, "branch1_secretary", PASSWORD)
    assert response.status_code == 302
    client.post(reverse("accounts:logout"))
    actions = list(
        AuditEntry.objects.filter(actor=users[Role.BRANCH_SECRETARY]).values_list("action", flat=True)
    )
    assert sorted(actions) == ["login", "logout"]


def test_five_failures_lock_the_account_for_thirty_minutes_even_with_the_right_password(client, users):
    for _ in range(5):
        page = _login(client, "branch1_secretary", "wrong").content.decode()
        assert "账号或密码：不正确" in page
    page = _login(client, "branch1_secretary", PASSWORD).content.decode()
    assert "锁定 30 分钟" in page
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login_failed").count() == 5


def test_the_lock_is_shared_by_every_login_path(client, users):
    for _ in range(5):
        _login(client, "branch1_secretary", "wrong")
    # Any other path (API token, scripts) goes through authenticate() and is refused too.
    assert authenticate(username="branch1_secretary", password=PASSWORD) is None


def test_failures_made_elsewhere_count_towards_the_web_lock(client, users):
    for _ in range(5):
        assert authenticate(username="branch1_secretary", password="wrong") is None
    assert "锁定 30 分钟" in _login(client, "branch1_secretary", PASSWORD).content.decode()


def test_the_lock_ends_after_thirty_minutes(client, users):
    for _ in range(5):
        _login(client, "branch1_secretary", "wrong")
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=31))
    assert _login(client, "branch1_secretary", PASSWORD).status_code == 302


def test_four_failures_then_success_clears_the_count(client, users):
    for _ in range(4):
        _login(client, "branch1_secretary", "wrong")
    assert _login(client, "branch1_secretary", PASSWORD).status_code == 302
    assert LoginFailure.objects.count() == 0


def test_sessions_end_after_thirty_idle_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True  # idle, not absolute: renewed on each request


def _age_session(client, minutes):
    from django.contrib.sessions.models import Session

    session = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=session.pk).update(expire_date=session.expire_date - timedelta(minutes=minutes))


def test_an_idle_session_ends_after_thirty_minutes(client, users):
    client.force_login(users[Role.BRANCH_SECRETARY])
    assert client.get(reverse("ui:home")).status_code == 200
    _age_session(client, 31)
    response = client.get(reverse("ui:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_activity_keeps_the_session_alive(client, users):
    client.force_login(users[Role.BRANCH_SECRETARY])
    for _ in range(3):
        _age_session(client, 20)  # 20 idle minutes, then a request
        assert client.get(reverse("ui:home")).status_code == 200


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert identify_hasher(make_password("Xx1!abcdefgh")).algorithm == "argon2"


def test_production_settings_list_argon2_first():
    from config import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.parametrize("password", ["short1A!", "alllowercaseletters", "ALLUPPER12345", "abcdefghij12"])
def test_simple_passwords_are_refused_with_a_chinese_message(password):
    with pytest.raises(ValidationError) as exc:
        validate_password(password)
    assert any("至少 10 位" in m for m in exc.value.messages)


def test_a_complex_password_passes():
    validate_password("Meikuang#2026x")
