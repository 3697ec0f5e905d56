"""The demo county's programme: a year of records per demo community, titles through the flow,
one community that lost its title, and each level's pages answering."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from drugfree.models import Activity, Application, Inspection, Letter, Screening, Survey, Title

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--persons", "60", verbosity=0)


def test_demo_communities_have_a_year_of_records_and_titles(demo):
    for model in (Activity, Survey, Letter, Screening, Inspection):
        assert set(model.objects.values_list("community__name", flat=True)) == {
            "东门社区", "西门社区", "南湖村", "和平社区", "新华社区", "李庄村"
        }, model  # fmt: skip
    current = set(Title.objects.filter(revoked_on__isnull=True).values_list("community__name", "level"))
    assert current == {
        ("东门社区", "town"),
        ("东门社区", "county"),
        ("西门社区", "town"),
        ("和平社区", "town"),
    }
    lost = Title.objects.get(revoked_on__isnull=False)
    assert lost.community.name == "南湖村" and "撤销命名" in lost.revoke_reason
    assert Application.objects.get(community__name="新华社区").status == Application.Status.APPLIED
    assert Inspection.objects.filter(closed_on__isnull=True).count() == 2  # one open in each township
    # A second run adds nothing.
    counts = [
        m.objects.count() for m in (Activity, Survey, Letter, Screening, Inspection, Title, Application)
    ]
    call_command("seed_demo", "--persons", "60", verbosity=0)
    assert [
        m.objects.count() for m in (Activity, Survey, Letter, Screening, Inspection, Title, Application)
    ] == counts


@pytest.mark.parametrize("username", ["sup_chengguan", "sup_county", "committee_chengguan_1", "sup_heping"])
def test_demo_pages_answer_for_each_level(client, demo, username):
    from tests.browser.conftest import PASSWORD

    assert client.post(reverse("login"), {"username": username, "password": PASSWORD}).status_code == 302
    for name in ("drugfree_assessment", "drugfree_titles", "drugfree_named"):
        assert client.get(reverse(name)).status_code == 200, name
    for kind in ("activities", "surveys", "letters", "screenings", "inspections", "declarations", "scores"):
        assert client.get(reverse("drugfree_records", args=[kind])).status_code == 200, kind
    client.logout()
