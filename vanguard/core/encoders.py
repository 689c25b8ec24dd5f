"""JSON encoders for model fields."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class ReadableJSONEncoder(DjangoJSONEncoder):
    """Writes Chinese text as itself rather than as \\uXXXX escapes: half the bytes for
    an explanation in Chinese, readable in the database, and no backslash for the
    driver to escape on a bulk insert (the appraisal close writes 100k of these)."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class RowJSONField(models.JSONField):
    """A JSONField that bulk inserts as plain VALUES rows. On PostgreSQL Django 5.2 bulk
    inserts through UNNEST of arrays, and a JSON document inside an array literal has
    every double quote escaped by the driver — most of the time of the appraisal close's
    insert. A field with `get_placeholder` opts out of UNNEST (see Django's
    postgresql SQLInsertCompiler.assemble_as_sql); the placeholder is the usual one."""

    def get_placeholder(self, value, compiler, connection):
        return "%s"
