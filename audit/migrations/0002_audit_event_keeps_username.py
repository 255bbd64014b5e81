from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_usernames(apps, schema_editor):
    """Events written before: the name of their user, while the account still exists."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    User = apps.get_model("auth", "User")
    AuditEvent.objects.filter(user__isnull=False).update(
        username=Subquery(User.objects.filter(pk=OuterRef("user_id")).values("username")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="username",
            field=models.CharField(blank=True, max_length=150, verbose_name="user name"),
        ),
        migrations.RunPython(copy_usernames, migrations.RunPython.noop),
    ]
