"""The title's flow (seed 第三篇 四(一): 自行申报, 镇级 by the township 禁毒办, 县级 “1-2个” by the
county; 六(四) 严格考核): application → township check → county naming → yearly re-assessment."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from casework.errors import RecordRefused
from drugfree import services
from drugfree.models import Application, ProgrammeSettings, Review, Title

pytestmark = pytest.mark.django_db


def apply(w, key="c1", year=2026, on=date(2026, 3, 1)):
    return services.application_submit(
        actor=w[f"committee_{key}"], community=w[key], year=year, statement="本村无吸贩毒人员", applied_on=on
    )


def test_application_to_county_naming_and_a_review_that_revokes(programme):
    w = programme
    application = apply(w)
    assert application.check_due == date(2026, 3, 31)  # 30 days, the default township check period
    assert services.open_step(application).flow_task.name == "check"

    services.application_check(
        actor=w["sup1_user"], application=application, name=True, note="达标", on=date(2026, 4, 1)
    )
    application.refresh_from_db()
    assert application.status == Application.Status.TOWN
    assert services.open_step(application).flow_task.name == "county"

    services.application_county_decide(
        actor=w["county_sup_user"], application=application, name=True, on=date(2026, 5, 1)
    )
    application.refresh_from_db()
    assert application.status == Application.Status.COUNTY
    assert list(Title.objects.filter(application=application).values_list("level", "revoked_on")) == [
        ("town", None),
        ("county", None),
    ]
    assert services.open_step(application).flow_task.name == "review"

    # 2027: kept (巩固); 2028: lost, with the reason.
    services.application_review(
        actor=w["sup1_user"], application=application, keep=True, note="巩固达标", on=date(2027, 12, 1)
    )
    assert services.open_step(application).flow_task.name == "review"
    services.application_review(
        actor=w["sup1_user"],
        application=application,
        keep=False,
        note="新增吸毒人员2名",
        on=date(2028, 12, 1),
    )
    application.refresh_from_db()
    assert application.status == Application.Status.REVOKED
    assert list(Review.objects.filter(application=application).values_list("year", "kept")) == [
        (2027, True),
        (2028, False),
    ]
    assert set(Title.objects.filter(application=application).values_list("revoked_on", "revoke_reason")) == {
        (date(2028, 12, 1), "新增吸毒人员2名")
    }
    assert services.open_step(application) is None  # the flow ended


def test_a_rejected_application_ends_without_a_title(programme):
    w = programme
    application = apply(w)
    with pytest.raises(RecordRefused, match="审核意见"):
        services.application_check(actor=w["sup1_user"], application=application, name=False, note="")
    services.application_check(actor=w["sup1_user"], application=application, name=False, note="知晓率未达标")
    application.refresh_from_db()
    assert application.status == Application.Status.REJECTED
    assert not Title.objects.exists() and services.open_step(application) is None


def test_a_second_application_for_the_same_year_is_refused(programme):
    w = programme
    apply(w)
    with pytest.raises(RecordRefused, match="2026 年度已申报"):
        apply(w)
    assert Application.objects.count() == 1


@pytest.mark.parametrize(
    "who", ["committee_c1", "committee_c1b", "sup1_user", "county_sup_user", "work_station1_user"]
)
def test_only_the_communitys_own_committee_applies(programme, who):
    w = programme
    if who == "committee_c1":
        return apply(w) and None
    with pytest.raises(RecordRefused, match="村\\(居\\)民委员会"):
        services.application_submit(
            actor=w[who], community=w["c1"], year=2026, statement="x", applied_on=date(2026, 3, 1)
        )
    assert not Application.objects.exists()


def test_permissions_per_level(programme):
    """A community cannot name itself; the other township cannot check; a township cannot name 县级."""
    w = programme
    application = apply(w)
    for wrong in ("committee_c1", "sup2_user", "county_sup_user"):
        with pytest.raises(RecordRefused, match="乡镇的禁毒办"):
            services.application_check(actor=w[wrong], application=application, name=True, note="")
    assert not Title.objects.exists()
    services.application_check(actor=w["sup1_user"], application=application, name=True, note="")
    for wrong in ("committee_c1", "sup1_user"):
        with pytest.raises(RecordRefused, match="县禁毒办"):
            services.application_county_decide(actor=w[wrong], application=application, name=True)
    assert list(Title.objects.values_list("level", flat=True)) == ["town"]
    assert services.open_step(application).flow_task.name == "county"


def test_county_titles_are_limited_per_year_by_the_region_setting(programme):
    """“其中县级‘无毒社区’1-2个”: the county's limit (default 2) is a region setting."""
    w = programme
    ProgrammeSettings.objects.create(region=w["county"], county_titles_per_year=1)
    first, second = apply(w, "c1"), apply(w, "c2")
    services.application_check(actor=w["sup1_user"], application=first, name=True, note="")
    services.application_check(actor=w["sup2_user"], application=second, name=True, note="")
    services.application_county_decide(actor=w["county_sup_user"], application=first, name=True)
    with pytest.raises(RecordRefused, match="已达上限 1 个"):
        services.application_county_decide(actor=w["county_sup_user"], application=second, name=True)
    assert Title.objects.filter(level="county").count() == 1
    assert services.open_step(second).flow_task.name == "county"  # nothing changed: still to decide
    services.application_county_decide(actor=w["county_sup_user"], application=second, name=False)
    second.refresh_from_db()
    assert second.status == Application.Status.TOWN


def test_a_review_cannot_come_before_its_year(programme):
    w = programme
    application = apply(w)
    services.application_check(actor=w["sup1_user"], application=application, name=True, note="")
    services.application_county_decide(actor=w["county_sup_user"], application=application, name=False)
    with pytest.raises(RecordRefused, match="2027 年度复核须在 2027 年内"):
        services.application_review(
            actor=w["sup1_user"], application=application, keep=False, note="x", on=date(2026, 12, 1)
        )
    assert not Review.objects.exists() and not Title.objects.filter(revoked_on__isnull=False).exists()


def test_the_pages_take_each_level_through_its_step(client, programme):
    w = programme
    client.force_login(w["committee_c1"])
    page = client.get(reverse("drugfree_community", args=[w["c1"].pk]))
    assert page.status_code == 200 and "提交申报" in page.content.decode()
    response = client.post(
        reverse("drugfree_apply", args=[w["c1"].pk]),
        {"year": timezone.localdate().year, "statement": "创建情况"},
    )
    assert response.status_code == 302
    application = Application.objects.get()
    # A committee sees no step to do, and the other committee's community is not there.
    assert client.get(reverse("drugfree_step", args=[application.pk])).status_code == 404
    assert client.get(reverse("drugfree_community", args=[w["c1b"].pk])).status_code == 404

    client.force_login(w["sup2_user"])
    assert client.get(reverse("drugfree_step", args=[application.pk])).status_code == 404
    client.force_login(w["sup1_user"])
    titles = client.get(reverse("drugfree_titles")).content.decode()
    assert reverse("drugfree_step", args=[application.pk]) in titles
    assert (
        client.post(
            reverse("drugfree_step", args=[application.pk]), {"name": "1", "note": "达标"}
        ).status_code
        == 302
    )
    client.force_login(w["county_sup_user"])
    assert client.post(reverse("drugfree_step", args=[application.pk]), {"name": "1"}).status_code == 302
    named = client.get(reverse("drugfree_named") + "?level=county").content.decode()
    assert w["c1"].name in named
    history = client.get(reverse("drugfree_community", args=[w["c1"].pk])).content.decode()
    assert "县级" in history and "镇级" in history
    assert Task.objects.filter(flow_task_type="HUMAN", status="NEW").count() == 1  # the next year's review
