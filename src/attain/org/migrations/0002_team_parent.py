"""Team parents over time (TeamParent), backfilled from today's Team.parent: with no
history to go on, each existing parent holds since always (1900-01-01), as a new team's
first parent does."""

import datetime as dt

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    team_model = apps.get_model("org", "Team")
    team_parent = apps.get_model("org", "TeamParent")
    team_parent.objects.bulk_create([
        team_parent(team_id=team_id, parent_id=parent_id, valid_from=dt.date(1900, 1, 1),
                    valid_to=None)
        for team_id, parent_id in team_model.objects.filter(parent__isnull=False).values_list(
            "id", "parent_id")])


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='TeamParent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('valid_from', models.DateField(help_text='First day in force.')),
                ('valid_to', models.DateField(blank=True, help_text='Last day in force; empty = open.', null=True)),
                ('parent', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='child_spans', to='org.team')),
                ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='parent_spans', to='org.team')),
            ],
            options={
                'ordering': ['team', 'valid_from'],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
