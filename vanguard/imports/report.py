"""What an import reports: counts and every problem with its Excel row and column."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel shows it (1-based, title rows counted); 0 for the file as a whole
    column: str  # the column's Chinese name ("身份证号"), "" for the row or file as a whole
    message: str  # Chinese, names the field and the rule

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0  # data rows read (blank rows not counted)
    dry_run: bool = False
    # When there are errors nothing is written and the counts above are 0; this says what
    # the valid rows would have done, for the preview.
    pending: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    def finish(self) -> ImportReport:
        self.errors.sort(key=lambda e: e.row)  # stable: a row's problems keep their order
        if self.errors:
            self.pending = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}
            self.created = self.updated = self.unchanged = 0
        return self

    def as_dict(self) -> dict:
        """Exactly the command's --json object."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.as_dict() for e in self.errors],
        }
