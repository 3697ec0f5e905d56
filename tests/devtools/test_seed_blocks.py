"""The demo seed in blocks: every foreign key holds after the bulk writes (on PostgreSQL they skip
the row triggers), two worker processes write the same data as one, and a seed cut short resumes
to the data of a seed that was not."""

from collections import Counter

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from casework.models import CaseEvent, DrugTest, Episode, FamilyMember, Obligation, Person, Talk, TeamMember
from devtools import demo
from devtools.demo import DemoSeeder, index_of_id_number
from permissions.models import PersonGroupObjectPermission, PersonUserObjectPermission

SEEDED = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def dangling_references() -> dict[str, int]:
    """{table.column: rows whose foreign key finds no row}, over every concrete foreign key."""
    found = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if model._meta.proxy or not model._meta.managed:
                continue
            for f in model._meta.concrete_fields:
                if not (f.is_relation and f.many_to_one or f.one_to_one) or not f.db_constraint:
                    continue
                target = f.target_field
                cursor.execute(
                    f"SELECT count(*) FROM {quote(model._meta.db_table)} a "
                    f"WHERE a.{quote(f.column)} IS NOT NULL AND NOT EXISTS ("
                    f"SELECT 1 FROM {quote(target.model._meta.db_table)} b "
                    f"WHERE b.{quote(target.column)} = a.{quote(f.column)})"
                )
                if count := cursor.fetchone()[0]:
                    found[f"{model._meta.db_table}.{f.column}"] = count
    return found


def fingerprint() -> dict[str, Counter]:
    """The seeded data without its ids: each row keyed by its person's ID number."""
    from django.contrib.contenttypes.models import ContentType
    from viewflow.workflow.models import Task

    persons = dict(Person.objects.values_list("pk", "id_number"))
    episodes = dict(Episode.objects.values_list("pk", "decision_number"))

    def rows(queryset, *, episode_key: bool = False) -> Counter:
        lookup = episodes if episode_key else persons
        return Counter((lookup[first], *rest) for first, *rest in queryset)

    return {
        "person": Counter(Person.objects.values_list("id_number", "name", "region__code", "risk_level")),
        "family": rows(FamilyMember.objects.values_list("person_id", "name", "relation", "phone")),
        "episode": rows(Episode.objects.values_list("person_id", "decision_number", "status", "closed_on")),
        "team": rows(
            TeamMember.objects.values_list("episode__person_id", "role__code", "user__username", "start_date")
        ),
        "event": rows(CaseEvent.objects.values_list("person_id", "kind", "happened_on", "message")),
        "obligation": rows(
            Obligation.objects.values_list(
                "person_id", "kind", "sequence", "status", "due_by", "done_on", "township__code"
            )
        ),
        "drug test": rows(
            DrugTest.objects.values_list("person_id", "tested_on", "result", "obligation__sequence")
        ),
        "talk": rows(Talk.objects.values_list("person_id", "held_on", "obligation__sequence")),
        "user grant": rows(
            PersonUserObjectPermission.objects.values_list(
                "content_object_id", "user__username", "permission__codename", "valid_until"
            )
        ),
        "group grant": rows(
            PersonGroupObjectPermission.objects.values_list(
                "content_object_id", "group__name", "permission__codename"
            )
        ),
        "task": rows(
            Task.objects.filter(
                process__artifact_content_type=ContentType.objects.get_for_model(Episode)
            ).values_list("process__artifact_object_id", "flow_task", "status", "owner__username"),
            episode_key=True,
        ),
    }


def test_an_id_number_gives_back_its_demo_index():
    for i in (0, 1, 2, 999, 1000, 123_456, 999_999, demo.ID_SPACE - 1):
        birth, sequence = demo.birth_and_sequence(i)
        number = demo.make_id_number("320999", birth, sequence, "M")
        assert index_of_id_number(number) == i
    assert index_of_id_number("32099919640101001X") is None  # born before the demo's first day
    assert index_of_id_number("320999199902300011") is None  # no such day
    assert index_of_id_number("not a number") is None


@SEEDED
def test_every_foreign_key_holds_after_a_bulk_seed():
    call_command("seed_demo", "--persons", "300", verbosity=0)
    assert Obligation.objects.count() > 1000
    assert PersonUserObjectPermission.objects.exists()
    assert dangling_references() == {}


@SEEDED
@pytest.mark.postgres
def test_two_workers_write_what_one_process_writes():
    two = DemoSeeder(300, 1, block_size=70).run(workers=2)
    assert two.persons == 300 and two.intake_flows > 0 and two.obligations > 0
    written = fingerprint()
    assert dangling_references() == {}

    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
    connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
    one = DemoSeeder(300, 1, block_size=300).run(workers=1)
    assert {name: getattr(one, name) for name in demo.BlockResult.COUNTS} == {
        name: getattr(two, name) for name in demo.BlockResult.COUNTS
    }
    assert fingerprint() == written


class _Interrupted(Exception):
    pass


@SEEDED
def test_a_seed_cut_short_resumes_where_it_stopped(monkeypatch):
    original = DemoSeeder.seed_block
    calls = []

    def fail_third(self, indices):
        calls.append(indices[0])
        if len(calls) == 3:
            raise _Interrupted
        return original(self, indices)

    monkeypatch.setattr(DemoSeeder, "seed_block", fail_third)
    with pytest.raises(_Interrupted):
        DemoSeeder(250, 1, block_size=60).run()
    assert Person.objects.count() == 120  # the two blocks before the failure, whole
    assert Episode.objects.filter(person__in=Person.objects.all()).exists()
    monkeypatch.setattr(DemoSeeder, "seed_block", original)

    resumed = DemoSeeder(250, 1, block_size=60).run()
    assert resumed.persons == 130
    after_resume = fingerprint()

    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
    connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
    DemoSeeder(250, 1, block_size=60).run()
    assert fingerprint() == after_resume


@pytest.mark.django_db
def test_regions_added_in_bulk_keep_treebeard_order():
    """Counties come in descending codes, so each new one sorts first: the paths of the whole
    tree are placed again, siblings in code order, as treebeard's node_order_by keeps them."""
    from casework.models import Region

    DemoSeeder(1000, 1).ensure_regions()
    first = Region.objects.count()
    DemoSeeder(12_000, 1).ensure_regions()  # 24 townships: two counties more
    assert Region.objects.count() > first
    assert Region.objects.filter(level=Region.Level.COUNTY).count() == 3
    assert all(not problems for problems in Region.objects.find_problems())

    def walk(nodes):
        codes = [n.code for n in nodes]
        assert codes == sorted(codes)
        for node in nodes:
            kids = list(node.get_children())
            assert node.numchild == len(kids)
            assert all(k.path.startswith(node.path) and k.depth == node.depth + 1 for k in kids)
            walk(kids)

    walk(list(Region.objects.get_root_nodes()))
    DemoSeeder(12_000, 1).ensure_regions()  # nothing new: nothing moves
    assert Region.objects.count() == Region.objects.values("path").distinct().count()
