"""Django's flush, able to empty the append-only audit table on SQLite.

flush wipes every table at once (tests between cases, a demo reset), so there is no
history left to protect; the triggers are lifted for that command only and put back
after it. PostgreSQL flushes with TRUNCATE, which its row trigger does not fire on."""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from vanguard.core import triggers


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with connection.schema_editor() as editor:
            triggers.remove(editor)
        try:
            return super().handle(**options)
        finally:
            with connection.schema_editor() as editor:
                triggers.install(editor)
