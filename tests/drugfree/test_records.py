"""The evidence records (seed 第一篇 一, 第四篇 二: activities; 第三篇 五(六) 三: surveys; 第一篇 二, 第四篇 一:
letters; 第三篇 五(二): screening; 五(五): inspections): bad input is refused with a clear message and
nothing saved; lists filter, export and print; list query counts are flat."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from drugfree.models import Activity, Inspection, Letter, Screening, Survey

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def post(client, kind, data, files=None):
    return client.post(reverse("drugfree_record_new", args=[kind]), {**data, **(files or {})})


def activity_data(w, **over):
    return {
        "community": w["c1"].pk,
        "held_on": TODAY.isoformat(),
        "kind": "broadcast",
        "audience": "residents",
        "title": "禁毒广播",
        "quantity": 18,
        "minutes": 30,
        "audience_size": 2000,
        "reached": 1800,
        **over,
    }


@pytest.mark.parametrize(
    "kind, data, message, model",
    [
        (
            "surveys",
            {"held_on": TODAY, "group": "village", "sample": 50, "knew": 60},
            "知晓人数不能超过调查人数",
            Survey,
        ),
        (
            "surveys",
            {"held_on": TODAY, "group": "village", "sample": 0, "knew": 0},
            "调查人数至少为1",
            Survey,
        ),
        ("activities", {"held_on": TODAY + timedelta(days=1)}, "日期不能晚于今天", Activity),
        ("activities", {"quantity": -3}, "确保该值大于或等于0", Activity),
        ("activities", {"reached": 2500}, "受教育人数不能超过对象人数", Activity),
        (
            "letters",
            {
                "kind": "targets",
                "duty": "unit_staff",
                "unit": "镇中学",
                "responsible": "王校长",
                "signed_on": TODAY,
                "term_start": date(2026, 1, 1),
                "term_end": date(2025, 12, 31),
                "content": "学校包学生",
            },
            "责任期止不能早于责任期起",
            Letter,
        ),
        (
            "screenings",
            {"kind": "households", "started_on": TODAY, "ended_on": TODAY - timedelta(days=2)},
            "结束日期不能早于开始日期",
            Screening,
        ),
        (
            "inspections",
            {"kind": "surprise", "inspected_on": TODAY, "unit": "某KTV", "finding": "未张贴告示"},
            "发现问题的，请填写整改期限",
            Inspection,
        ),
    ],
)
def test_bad_input_gets_a_message_and_saves_nothing(client, programme, kind, data, message, model):
    w = programme
    client.force_login(
        w["committee_c1"] if kind in ("surveys", "activities", "screenings") else w["sup1_user"]
    )
    base = activity_data(w) if kind == "activities" else {"community": w["c1"].pk}
    response = post(client, kind, {**base, **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not model.objects.exists()


def test_an_evidence_file_must_be_a_scan_or_photo(client, programme):
    w = programme
    client.force_login(w["committee_c1"])
    fake = SimpleUploadedFile("photo.png", b"MZ not an image", content_type="image/png")
    response = post(client, "activities", activity_data(w), {"evidence": fake})
    assert response.status_code == 400 and "只接受 PDF、JPEG 或 PNG 文件" in response.content.decode()
    assert not Activity.objects.exists()
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    assert post(client, "activities", activity_data(w), {"evidence": photo}).status_code == 302
    record = Activity.objects.get()
    assert record.evidence.name.endswith(".png") and record.recorded_by == w["committee_c1"]
    assert client.get(reverse("drugfree_evidence", args=["activities", record.pk])).status_code == 200
    # The other community's committee and a police officer get the same 404 as for nothing.
    for other in ("committee_c1b", "police1_user"):
        client.force_login(w[other])
        assert client.get(reverse("drugfree_evidence", args=["activities", record.pk])).status_code == 404


def test_a_committee_records_only_for_its_own_community(client, programme):
    w = programme
    client.force_login(w["committee_c1"])
    response = post(client, "activities", activity_data(w, community=w["c1b"].pk))
    assert response.status_code == 400 and "选择一个有效的选项" in response.content.decode()
    assert not Activity.objects.exists()


@pytest.mark.parametrize("kind", ["letters", "inspections", "scores"])
def test_letters_inspections_and_scores_are_the_offices(client, programme, kind):
    """The township signs the letters, inspects and scores (第一篇 二, 第三篇 五(五)、六(四)): not the unit itself."""
    from casework.errors import RecordRefused
    from drugfree import services
    from drugfree.models import UnitScore

    w = programme
    client.force_login(w["committee_c1"])
    assert client.get(reverse("drugfree_record_new", args=[kind])).status_code == 404
    listed = client.get(reverse("drugfree_records", args=[kind])).content.decode()
    assert reverse("drugfree_record_new", args=[kind]) not in listed
    record = {"letters": Letter, "inspections": Inspection, "scores": UnitScore}[kind]()
    with pytest.raises(RecordRefused, match="由禁毒办录入"):
        services.record_save(actor=w["committee_c1"], record=record, community=w["c1"])
    client.force_login(w["sup1_user"])
    assert client.get(reverse("drugfree_record_new", args=[kind])).status_code == 200


def test_lists_filter_export_and_print(client, programme):
    w = programme
    client.force_login(w["sup1_user"])
    for key, audience in (("c1", "youth"), ("c1", "residents"), ("c1b", "youth")):
        assert (
            post(client, "activities", activity_data(w, community=w[key].pk, audience=audience)).status_code
            == 302
        )
    listed = client.get(
        reverse("drugfree_records", args=["activities"]) + f"?community={w['c1'].pk}&audience=youth"
    )
    assert listed.context["page"].paginator.count == 1
    export = client.get(reverse("drugfree_records_export", args=["activities"]) + f"?community={w['c1'].pk}")
    sheet = load_workbook(BytesIO(export.content)).active
    assert [c.value for c in sheet[1]][:3] == ["社区/村", "日期", "形式"]
    assert sheet.max_row == 3 and sheet["A2"].value == w["c1"].name
    letter = {
        "community": w["c1"].pk,
        "kind": "no_planting",
        "duty": "village_households",
        "unit": "某村委会",
        "responsible": "李主任",
        "signed_on": TODAY.isoformat(),
        "term_start": TODAY.isoformat(),
        "term_end": (TODAY + timedelta(days=365)).isoformat(),
        "content": "镇村包农户，春播期间踏查",
    }
    assert post(client, "letters", letter).status_code == 302
    printed = client.get(reverse("drugfree_letter_print", args=[Letter.objects.get().pk])).content.decode()
    assert "禁种责任书" in printed and "李主任" in printed and "镇村包农户" in printed
    assert f'<a href="{reverse("drugfree_records", args=["letters"])}">返回</a>' in printed
    client.force_login(w["sup2_user"])
    assert client.get(reverse("drugfree_letter_print", args=[Letter.objects.get().pk])).status_code == 404
    assert client.get(reverse("drugfree_records", args=["activities"])).context["page"].paginator.count == 0


def test_a_rectification_is_closed_by_the_office_not_the_committee(client, programme):
    w = programme
    inspection = Inspection.objects.create(
        community=w["c1"],
        kind="surprise",
        inspected_on=TODAY,
        unit="某歌厅",
        finding="未登记从业人员",
        rectify_by=TODAY + timedelta(days=10),
        recorded_by=w["sup1_user"],
    )
    client.force_login(w["committee_c1"])
    listed = client.get(reverse("drugfree_records", args=["inspections"])).content.decode()
    assert reverse("drugfree_inspection_close", args=[inspection.pk]) not in listed
    assert (
        client.post(reverse("drugfree_inspection_close", args=[inspection.pk]), {"note": "x"}).status_code
        == 404
    )
    client.force_login(w["sup1_user"])
    assert (
        reverse("drugfree_inspection_close", args=[inspection.pk])
        in client.get(reverse("drugfree_records", args=["inspections"])).content.decode()
    )
    assert (
        client.post(reverse("drugfree_inspection_close", args=[inspection.pk]), {"note": ""}).status_code
        == 400
    )
    assert (
        client.post(
            reverse("drugfree_inspection_close", args=[inspection.pk]), {"note": "已登记"}
        ).status_code
        == 302
    )
    inspection.refresh_from_db()
    assert inspection.closed_on == TODAY and inspection.closed_by == w["sup1_user"]


@pytest.mark.parametrize(
    "kind", ["activities", "surveys", "letters", "screenings", "inspections", "declarations"]
)
def test_record_list_query_count_is_flat(client, programme, kind):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = programme
    client.force_login(w["county_sup_user"])
    url = reverse("drugfree_records", args=[kind])

    made = []

    def add(n):
        for _ in range(n):
            i = len(made)
            made.append(i)
            community = w["c1"] if i % 2 else w["c2"]
            user = w["committee_c1"] if i % 2 else w["sup2_user"]
            common = {"community": community, "recorded_by": user}
            if kind == "activities":
                Activity.objects.create(
                    **common,
                    held_on=TODAY,
                    kind="banner",
                    audience="residents",
                    title="横幅",
                    audience_size=10,
                    reached=5,
                )
            elif kind == "surveys":
                Survey.objects.create(**common, held_on=TODAY, group="village", sample=10, knew=9)
            elif kind == "letters":
                Letter.objects.create(
                    **common,
                    kind="targets",
                    duty="unit_staff",
                    unit=f"单位{i}",
                    responsible="甲",
                    signed_on=TODAY,
                    term_start=TODAY,
                    term_end=TODAY,
                    content="x",
                )
            elif kind == "screenings":
                Screening.objects.create(
                    **common, kind="households", started_on=TODAY, ended_on=TODAY, households=30
                )
            elif kind == "inspections":
                Inspection.objects.create(
                    **common, kind="open", inspected_on=TODAY, unit="甲", finding="x", rectify_by=TODAY
                )
            elif kind == "scores":
                from drugfree.models import UnitScore

                UnitScore.objects.create(
                    **common, year=2020, unit=f"单位{i}", **dict.fromkeys(UnitScore.ITEMS, 15)
                )
            else:
                from drugfree.models import Declaration

                Declaration.objects.create(**common, year=2000 + i, fact="no_crime", holds=True, note="无")

    def measure():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add(2)
    small = measure()
    add(9)
    assert measure() == small


def test_year_end_scores_are_bounded_and_printed_in_order(client, programme):
    """考核 (第三篇 五(六), 六(四)): five items of at most 20 points; the sheet ranks the units."""
    from drugfree.models import UnitScore

    w = programme
    client.force_login(w["sup1_user"])
    base = {"community": w["c1"].pk, "year": TODAY.year, "unit": "镇中学", "note": ""}
    items = dict.fromkeys(UnitScore.ITEMS, 18)
    bad = post(client, "scores", {**base, **items, "awareness": 21})
    assert bad.status_code == 400 and "确保该值小于或等于20" in bad.content.decode()
    assert not UnitScore.objects.exists()
    assert post(client, "scores", {**base, **items}).status_code == 302
    assert post(client, "scores", {**base, "unit": "某村委会", **items, "treatment": 20}).status_code == 302
    again = post(client, "scores", {**base, **items})
    assert again.status_code == 400 and "该单位该年度已考核" in again.content.decode()
    sheet = client.get(reverse("drugfree_score_sheet", args=[TODAY.year])).content.decode()
    assert sheet.index("某村委会") < sheet.index("镇中学") and ">92<" in sheet and ">90<" in sheet


def test_a_fact_is_entered_once_a_year(client, programme):
    from drugfree.models import Declaration

    w = programme
    client.force_login(w["committee_c1"])
    data = {"community": w["c1"].pk, "year": TODAY.year, "fact": "no_crime", "holds": "on", "note": "无"}
    assert post(client, "declarations", data).status_code == 302
    again = post(client, "declarations", {**data, "holds": ""})
    assert again.status_code == 400 and "该社区该年度已确认过此事项" in again.content.decode()
    assert list(Declaration.objects.values_list("holds", flat=True)) == [True]
    future = post(client, "declarations", {**data, "year": TODAY.year + 1})
    assert future.status_code == 400 and "不能确认未来年度的情况" in future.content.decode()
