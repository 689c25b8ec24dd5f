"""Celery tasks of the admission context (found by the worker's autodiscovery of
`tasks` modules). Thin wrappers: the work lives in the service modules."""

from vanguard.admission.audit import run_audit_task

__all__ = ["run_audit_task"]
