"""PostgreSQL: a stored tsvector column with its own GIN index, replacing the expression index.

With the vector stored, a newest-first page of a common word is a backward primary-key scan that
checks each row's stored vector and stops after a page (no per-row to_tsvector), and a rare word
is a bitmap scan of the GIN index. SQLite keeps its FTS5 table (0002): nothing to do there.
"""

from django.db import migrations

PG_UP = [
    "ALTER TABLE comms_message ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, COALESCE(body, ''))) STORED",
    "CREATE INDEX IF NOT EXISTS comms_message_search_vector ON comms_message "
    "USING gin (search_vector)",
    "DROP INDEX IF EXISTS comms_message_body_fts",
]
PG_DOWN = [
    "CREATE INDEX IF NOT EXISTS comms_message_body_fts ON comms_message "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(body, '')))",
    "DROP INDEX IF EXISTS comms_message_search_vector",
    "ALTER TABLE comms_message DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("comms", "0003_restrict_not_protect")]

    operations = [migrations.RunPython(_run(PG_UP), _run(PG_DOWN))]
