"""DomainError: the one exception a service raises when a rule forbids what was asked.

Its message is Chinese and names the field and the rule, so that views and the API can
show it unchanged."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    field: str  # the field (Chinese label) the problem is about, "" for the whole record
    message: str  # Chinese, names the rule
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


class DomainError(Exception):
    """A rule was broken. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem | str, *, field: str = "", code: str = "invalid"):
        if isinstance(problems, str):
            problems = [Problem(field=field, message=problems, code=code)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("；".join(p.message for p in self.problems))

    @property
    def messages(self) -> list[str]:
        return [p.message for p in self.problems]


class NotFoundOrForbidden(Exception):
    """The object does not exist or lies outside the user's scope: callers answer 404 in
    both cases so that ids outside the scope cannot be probed."""
