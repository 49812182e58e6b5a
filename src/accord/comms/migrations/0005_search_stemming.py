"""Search finds the forms of a word ("convoys" finds "convoy"): the SQLite index is rebuilt stemmed.

SQLite: the FTS5 table is recreated with the Porter stemmer over the unicode61 tokenizer (FTS5
stems the words of a query with the table's own tokenizer, so the query is unchanged) and
refilled from the live messages; its triggers are recreated with it.

PostgreSQL already stems: the stored ``search_vector`` (0004) is ``to_tsvector('english', body)``
and the query ``plainto_tsquery('english', …)`` — the same configuration on both sides, named in
the SQL rather than taken from the server's default, so nothing there needs rebuilding.
"""

from django.db import migrations


def _sqlite(tokenizer: str) -> list[str]:
    """Drop the FTS table and its triggers, create them with `tokenizer`, refill the table."""
    return [
        "DROP TRIGGER IF EXISTS comms_message_fts_ins",
        "DROP TRIGGER IF EXISTS comms_message_fts_upd",
        "DROP TRIGGER IF EXISTS comms_message_fts_del",
        "DROP TABLE IF EXISTS comms_message_fts",
        f"CREATE VIRTUAL TABLE comms_message_fts USING fts5(body, tokenize='{tokenizer}')",
        """CREATE TRIGGER comms_message_fts_ins AFTER INSERT ON comms_message
           WHEN new.deleted_at IS NULL BEGIN
             INSERT INTO comms_message_fts(rowid, body) VALUES (new.id, new.body);
           END""",
        """CREATE TRIGGER comms_message_fts_upd AFTER UPDATE OF body, deleted_at
           ON comms_message BEGIN
             DELETE FROM comms_message_fts WHERE rowid = old.id;
             INSERT INTO comms_message_fts(rowid, body)
               SELECT new.id, new.body WHERE new.deleted_at IS NULL;
           END""",
        """CREATE TRIGGER comms_message_fts_del AFTER DELETE ON comms_message BEGIN
             DELETE FROM comms_message_fts WHERE rowid = old.id;
           END""",
        """INSERT INTO comms_message_fts(rowid, body)
           SELECT id, body FROM comms_message WHERE deleted_at IS NULL""",
    ]


def _run(tokenizer: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in _sqlite(tokenizer):
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("comms", "0004_search_vector")]

    operations = [
        migrations.RunPython(_run("porter unicode61"), _run("unicode61")),
    ]
