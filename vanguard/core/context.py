"""The current request's origin (IP address), kept for audit rows written by services."""

from contextvars import ContextVar

current_ip: ContextVar[str] = ContextVar("current_ip", default="")
