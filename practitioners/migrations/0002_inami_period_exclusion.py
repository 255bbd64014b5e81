"""On PostgreSQL the database itself refuses two overlapping periods of one profession.

The constraint is deferred to the end of the transaction, so a record whose periods are edited
together (one shortened, the next moved) is checked as a whole. Other databases rely on the
model and form checks.
"""
from django.db import migrations

CONSTRAINT = "inami_period_no_overlap_per_profession"


def create_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"""ALTER TABLE practitioners_inamiperiod ADD CONSTRAINT {CONSTRAINT}
        EXCLUDE USING gist (
            practitioner_id WITH =,
            profession WITH =,
            daterange(start_date, end_date, '[]') WITH &&
        ) DEFERRABLE INITIALLY DEFERRED"""
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE practitioners_inamiperiod DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("practitioners", "0001_initial")]

    operations = [migrations.RunPython(create_constraint, drop_constraint)]
