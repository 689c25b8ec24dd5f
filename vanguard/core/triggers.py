"""Database triggers that make audit rows append-only (used by migration 0002 and by
the flush command)."""


def install(schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for op in ("UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS core_auditentry_no_{op.lower()} BEFORE {op} ON core_auditentry "
                "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
            )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;"
        )
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;")
        schema_editor.execute(
            "CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON core_auditentry "
            "FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();"
        )


def remove(schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for op in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS core_auditentry_no_{op};")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;")
        schema_editor.execute("DROP FUNCTION IF EXISTS core_auditentry_append_only();")
