"""Audit rows can be added, never changed or removed: not by the model, not by a
queryset, not by raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from vanguard.core import audit
from vanguard.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    return audit.record(actor=None, action="test", summary="原始记录")


def test_model_refuses_update_and_delete(entry):
    entry.summary = "篡改"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="篡改")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


@pytest.mark.parametrize("sql", ["UPDATE core_auditentry SET summary = 'x'", "DELETE FROM core_auditentry"])
def test_database_refuses_raw_update_and_delete(entry, sql):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEntry.objects.get(pk=entry.pk).summary == "原始记录"


def test_a_failed_write_leaves_no_audit_row():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=None, action="test", summary="回滚")
        raise RuntimeError
    assert not AuditEntry.objects.filter(summary="回滚").exists()
