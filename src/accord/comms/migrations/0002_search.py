"""Full-text search indexes: SQLite FTS5 kept by triggers, or a PostgreSQL GIN index.

Vendor-conditional so that the same migration history runs on both backends.
"""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS comms_message_fts USING fts5(body, tokenize='unicode61')",
    """CREATE TRIGGER IF NOT EXISTS comms_message_fts_ins AFTER INSERT ON comms_message
       WHEN new.deleted_at IS NULL BEGIN
         INSERT INTO comms_message_fts(rowid, body) VALUES (new.id, new.body);
       END""",
    """CREATE TRIGGER IF NOT EXISTS comms_message_fts_upd AFTER UPDATE OF body, deleted_at
       ON comms_message BEGIN
         DELETE FROM comms_message_fts WHERE rowid = old.id;
         INSERT INTO comms_message_fts(rowid, body)
           SELECT new.id, new.body WHERE new.deleted_at IS NULL;
       END""",
    """CREATE TRIGGER IF NOT EXISTS comms_message_fts_del AFTER DELETE ON comms_message BEGIN
         DELETE FROM comms_message_fts WHERE rowid = old.id;
       END""",
    """INSERT INTO comms_message_fts(rowid, body)
       SELECT id, body FROM comms_message WHERE deleted_at IS NULL""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS comms_message_fts_ins",
    "DROP TRIGGER IF EXISTS comms_message_fts_upd",
    "DROP TRIGGER IF EXISTS comms_message_fts_del",
    "DROP TABLE IF EXISTS comms_message_fts",
]
PG_UP = [
    "CREATE INDEX IF NOT EXISTS comms_message_body_fts ON comms_message "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(body, '')))"
]
PG_DOWN = ["DROP INDEX IF EXISTS comms_message_body_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("comms", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        )
    ]
