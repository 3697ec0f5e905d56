from django.db import migrations

ROLES = [
    ("community", "社区/社工", "work_station", 1),
    ("police", "派出所", "police", 2),
    ("judicial", "司法所", "judicial", 3),
    ("family", "家庭", "", 4),
    ("civil_affairs", "民政", "civil_affairs", 5),
    ("human_resources", "人社", "human_resources", 6),
]


def seed(apps, schema_editor):
    PartyRole = apps.get_model("casework", "PartyRole")
    for code, name, agency_kind, order in ROLES:
        PartyRole.objects.get_or_create(code=code, defaults={"name": name, "agency_kind": agency_kind, "order": order})


def unseed(apps, schema_editor):
    apps.get_model("casework", "PartyRole").objects.filter(code__in=[r[0] for r in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
