"""The titles pages: each level sees what it may act on and nothing else; query counts are flat in
the number of applications and titles; targets per township and year with their progress
(seed 第三篇 四(一): 至2021年全镇共创建15个, 其中县级1-2个)."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from casework.errors import RecordRefused
from drugfree import services
from drugfree.models import Application, TownshipTarget
from tests import factories as f

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_targets_are_set_by_the_township_and_show_progress(client, programme):
    w = programme
    with pytest.raises(RecordRefused):
        services.target_set(actor=w["county_sup_user"], township=w["t1"], year=2027, communities=2)
    with pytest.raises(RecordRefused, match="县级数不能超过目标数"):
        services.target_set(actor=w["sup1_user"], township=w["t1"], year=2027, communities=2, county_level=3)
    assert not TownshipTarget.objects.exists()
    client.force_login(w["sup1_user"])
    response = client.post(
        reverse("drugfree_target_set"), {"year": 2027, "communities": 2, "county_level": 1}
    )
    assert response.status_code == 302
    application = services.application_submit(
        actor=w["committee_c1"], community=w["c1"], year=2026, statement="x", applied_on=date(2026, 3, 1)
    )
    services.application_check(actor=w["sup1_user"], application=application, name=True, note="")
    target = client.get(reverse("drugfree_titles")).context["targets"][0]
    assert (target.year, target.communities, target.town_named, target.county_named, target.progress) == (
        2027,
        2,
        1,
        0,
        50.0,
    )
    client.force_login(w["sup2_user"])
    assert client.get(reverse("drugfree_titles")).context["targets"] == []


def test_application_documents_are_kept_and_read_only_in_the_region(client, programme):
    w = programme
    client.force_login(w["committee_c1"])
    scan = SimpleUploadedFile("申报.png", PNG, content_type="image/png")
    response = client.post(
        reverse("drugfree_apply", args=[w["c1"].pk]),
        {"year": timezone.localdate().year, "statement": "情况", "evidence": scan},
    )
    assert response.status_code == 302
    application = Application.objects.get()
    url = reverse("drugfree_application_evidence", args=[application.pk])
    assert client.get(url).status_code == 200
    for other in ("committee_c1b", "sup2_user", "police1_user"):
        client.force_login(w[other])
        assert client.get(url).status_code == 404
    client.force_login(w["county_sup_user"])
    assert client.get(url).status_code == 200


def test_a_second_application_on_the_page_gets_a_message(client, programme):
    w = programme
    client.force_login(w["committee_c1"])
    data = {"year": timezone.localdate().year, "statement": "情况"}
    assert client.post(reverse("drugfree_apply", args=[w["c1"].pk]), data).status_code == 302
    again = client.post(reverse("drugfree_apply", args=[w["c1"].pk]), data)
    assert again.status_code == 400 and "不能重复申报" in again.content.decode()
    assert Application.objects.count() == 1


@pytest.mark.parametrize("name", ["drugfree_titles", "drugfree_named"])
def test_titles_pages_query_counts_are_flat(client, programme, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = programme
    client.force_login(w["county_sup_user"])
    url = reverse(name)
    township = f.Region.objects.get(pk=w["t2"].pk)

    def add(n, year):
        for i in range(n):
            community = f.Region.objects.add_child(
                township, {"name": f"村{year}{i}", "code": f"{year}{i:04d}", "level": "community"}
            )
            committee = f.staff_user(f.agency("community_committee", community))
            application = services.application_submit(
                actor=committee, community=community, year=year, statement="x", applied_on=date(year, 3, 1)
            )
            services.application_check(
                actor=w["sup2_user"], application=application, name=bool(i % 2), note="否"
            )
            township.refresh_from_db()

    def measure():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add(2, 2026)
    small = measure()
    add(6, 2027)
    assert measure() == small
