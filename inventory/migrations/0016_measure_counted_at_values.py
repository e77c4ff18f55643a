"""Each catalogue measure's counted_at in databases loaded before it existed (0015 gave every measure the default,
werkplaats): the measures whose source counts people where they live are set to woonplaats, unless staff chose
otherwise already. The codes are written here, not read from services/reference.py, so that this migration does
the same whatever the catalogue later becomes. Back: nothing to undo (0015's reverse drops the column)."""

from django.db import migrations

# The individual measures from the social-security and VDAB data (services/reference.py MEASURES, counted_at=HOME).
RESIDENCE_CODES = [
    "DGK-JONG",
    "DGK-JONG-FED",
    "DGK-OUD",
    "VOP",
    "DGK-LWZ",
    "SINE",
    "TWP50",
    "IBO",
    "GIBO",
    "WPL",
    "TWE",
    "WEP",
    "WW",
    "PWA",
    "W2",
    "DC",
]


def counted_at_set(apps, schema_editor):
    Measure = apps.get_model("inventory", "Measure")
    Measure.objects.filter(code__in=RESIDENCE_CODES, counted_at="werkplaats").update(counted_at="woonplaats")


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0015_supplier_profiles"),
    ]

    operations = [
        migrations.RunPython(counted_at_set, migrations.RunPython.noop),
    ]
