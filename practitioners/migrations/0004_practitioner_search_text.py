"""The registry search's column, filled for the existing records, and its PostgreSQL indexes.

``search_text`` holds the names without accents or case and the NISS and KBO digits
(``practitioners/search.py``); the search runs ``LIKE '%…%'`` on it and on the INAMI numbers. On
PostgreSQL trigram GIN indexes (``pg_trgm``) answer those; other databases scan, as before.
"""
from django.db import migrations, models

FIELDS = ("last_name", "first_names", "initials", "niss", "enterprise_number")
INDEXES = {
    "practitioner_search_trgm_idx": "practitioners_practitioner USING gin (search_text gin_trgm_ops)",
    "inami_period_number_trgm_idx": "practitioners_inamiperiod USING gin (inami_number gin_trgm_ops)",
}


def fill_search_text(apps, schema_editor):
    from practitioners.search import search_text

    Practitioner = apps.get_model("practitioners", "Practitioner")
    records = list(Practitioner.objects.only("pk", *FIELDS))
    for record in records:
        record.search_text = search_text(*(getattr(record, name) for name in FIELDS))
    Practitioner.objects.bulk_update(records, ["search_text"], batch_size=1000)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("practitioners", "0003_practitioner_active_idx")]

    operations = [
        migrations.AddField(
            model_name="practitioner",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
