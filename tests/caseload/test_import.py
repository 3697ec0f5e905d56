"""Bringing a caseload in: the dry run, the all-or-nothing commit, idempotence, township scope."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from caseload.checks import caseload_check
from caseload.services import ImportRefused, caseload_import
from casework.models import CaseEvent, DrugTest, Episode, Obligation, Person, Talk, TeamMember
from permissions.selectors import visible_persons
from tests import factories as f
from tests.caseload.builders import history_for, person_row, workbook_bytes
from workflows.flows import IntakeFlow

pytestmark = pytest.mark.django_db


def _counts():
    return tuple(
        m.objects.count() for m in (Person, Episode, Obligation, DrugTest, Talk, TeamMember, CaseEvent)
    )


def _caseload(world, n=200):
    """n persons of township 1 in every importable order state, with their history."""
    today = timezone.localdate()
    persons, tests, talks = [], [], []
    for i in range(n):
        community = world["c1"] if i % 2 else world["c1b"]
        state = i % 5
        if state == 0:  # decided, deadline still running
            row = person_row(i, community, reported=None, served=today - timedelta(days=3))
        elif state == 1:  # decided, deadline passed: the flow's timer will open the refusal check
            row = person_row(i, community, reported=None, served=today - timedelta(days=40))
        elif state == 2:  # active for three years minus a month, history up to date
            start = today - timedelta(days=3 * 365 - 60)
            row = person_row(
                i,
                community,
                reported=start,
                served=start - timedelta(days=5),
                term_months=36,
                kind="社区戒毒",
            )
            t, k = history_for(row, today)
            tests += t
            talks += k
        elif state == 3:  # active, history stopped half a year ago: the open duties are overdue
            start = today - timedelta(days=500)
            row = person_row(i, community, reported=start, served=start - timedelta(days=5))
            t, k = history_for(row, today, stop_before=today - timedelta(days=180))
            tests += t
            talks += k
        else:  # 已报到: reported in, no help team yet; half with the agreement and plan signed
            start = today - timedelta(days=10)
            dated = start if i % 2 else ""
            row = person_row(
                i,
                community,
                reported=start,
                served=start - timedelta(days=5),
                agreement_on=dated,
                plan_on=dated,
                community_user="",
                police_user="",
                family_name="",
                family_phone="",
            )
        persons.append(row)
    return persons, tests, talks


def test_two_hundred_rows_in_every_state_import_through_the_services(world):
    """rules.md §1.3, §1.5, §2.1: decided orders wait for reporting in; an active order runs its
    schedule from the real start date, past duties done, the next open or overdue."""
    persons, tests, talks = _caseload(world)
    content = workbook_bytes(persons, tests, talks)
    dry = caseload_import(
        township=world["t1"],
        actor=world["work_station1_user"],
        file_name="名册.xlsx",
        content=content,
        dry_run=True,
    )
    assert dry.created == 200 and Person.objects.count() == 0

    result = caseload_import(
        township=world["t1"], actor=world["work_station1_user"], file_name="名册.xlsx", content=content
    )
    assert (result.created, result.updated) == (200, 0)
    assert result.history == len(tests) + len(talks)
    statuses = dict(
        Episode.objects.values_list("status").annotate(n=__import__("django.db.models").db.models.Count("pk"))
    )
    assert statuses == {"decided": 80, "reported": 40, "active": 80}
    # 已报到 waits in the intake flow at the step the file leaves open, as on the pages.
    from viewflow.workflow.models import Task

    waiting = Task.objects.filter(process__flow_class=IntakeFlow, status__in=["NEW", "ASSIGNED"])
    names = [t.flow_task.name for t in waiting]
    assert names.count("team") == 20 and names.count("agreement") == 20 and names.count("report_in") == 80
    assert set(DrugTest.objects.values_list("collector_1", "collector_2")) == {("甲", "乙")}
    reported = Episode.objects.filter(status="reported")
    assert not Obligation.objects.filter(episode__in=reported).exists()
    assert all(e.reported_on and e.start_date and e.expected_end_date for e in reported)
    assert Episode.objects.filter(township=world["t1"]).count() == 200
    # Every done duty has the record that fulfilled it, dated as it.
    done = Obligation.objects.filter(status="done")
    assert (
        done.count()
        == DrugTest.objects.exclude(obligation=None).count() + Talk.objects.exclude(obligation=None).count()
    )
    assert not done.exclude(
        done_on__in=list(DrugTest.objects.values_list("tested_on", flat=True))
        + list(Talk.objects.values_list("held_on", flat=True))
    ).exists()
    # One open duty per kind per active order; those of the lapsed histories overdue.
    today = timezone.localdate()
    lapsed = Person.objects.filter(name__in=[p["name"] for i, p in enumerate(persons) if i % 5 == 3])
    assert Obligation.objects.filter(person__in=lapsed, status="overdue", kind="drug_test").count() == 40
    assert not Obligation.objects.filter(status="pending", due_by__lt=today).exists()
    # The importer's events name the file; grants let the social worker see the team's persons.
    assert (
        CaseEvent.objects.filter(
            kind="registered", actor=world["work_station1_user"], message__contains="名册.xlsx"
        ).count()
        == 200
    )
    assert (
        not CaseEvent.objects.filter(person__in=Person.objects.all())
        .exclude(message__contains="（导入：名册.xlsx）")
        .exists()
    )
    assert visible_persons(world["sw1_user"]).count() == 80
    assert visible_persons(world["police1_user"]).count() >= 80


def test_the_schedule_matches_recording_the_history_one_test_at_a_time(world):
    """obligations.services drug_test_save / talk_record: the bulk history gives the same
    duties, dates and statuses as the page's services recording each test and talk."""
    from obligations.services import drug_test_save, talk_record
    from workflows.duties import duties_start

    today = timezone.localdate()
    start = today - timedelta(days=400)
    row = person_row(1, world["c1"], reported=start, served=start - timedelta(days=3))
    tests, talks = history_for(row, today, every_months=2)
    caseload_import(
        township=world["t1"],
        actor=world["work_station1_user"],
        file_name="a.xlsx",
        content=workbook_bytes([row], tests, talks),
    )
    imported = list(
        Obligation.objects.order_by("kind", "sequence").values_list(
            "kind", "sequence", "due_by", "status", "done_on"
        )
    )

    other = f.person_with_episode(world["c1b"], served_on=start - timedelta(days=3))
    episode = other.episodes.get()
    Episode.objects.filter(pk=episode.pk).update(start_date=start, reported_on=start, expected_end_date=None)
    episode.refresh_from_db()
    duties_start(episode)
    for t, k in zip(tests, talks, strict=True):
        drug_test_save(
            actor=world["work_station1_user"],
            episode=episode,
            tested_on=t["tested_on"],
            sample_type="urine",
            method="on_site",
            result="negative",
            place="工作站",
            collector_1="甲",
            collector_1_sex="F",
            collector_2="乙",
            collector_2_sex="F",
        )
        talk_record(
            actor=world["sw1_user"], episode=episode, held_on=k["held_on"], kind="talk", summary="近况稳定"
        )
    from obligations.services import obligations_scan

    obligations_scan(today)
    by_service = list(
        Obligation.objects.filter(episode=episode)
        .order_by("kind", "sequence")
        .values_list("kind", "sequence", "due_by", "status", "done_on")
    )
    assert imported == by_service


def test_one_bad_row_among_two_hundred_writes_nothing_and_names_row_and_cell(world):
    """casework.forms.PersonForm: the ID checksum (GB 11643) is the form's own check."""
    persons, tests, talks = _caseload(world)
    persons[117]["id_number"] = persons[117]["id_number"][:-1] + (
        "0" if persons[117]["id_number"][-1] != "0" else "1"
    )
    before = _counts()
    with pytest.raises(ImportRefused) as refused:
        caseload_import(
            township=world["t1"],
            actor=world["work_station1_user"],
            file_name="x.xlsx",
            content=workbook_bytes(persons, tests, talks),
        )
    problems = [str(p) for p in refused.value.check.problems]
    assert problems[0] == "“人员”第119行“公民身份号码”列：公民身份号码校验码错误，请核对。"
    assert _counts() == before


@pytest.mark.parametrize(
    ("override", "column", "message"),
    [
        ({"sex": "女", "id_number": None}, "性别", "性别与公民身份号码不一致。"),
        ({"birth_date": date(1970, 1, 1)}, "出生日期", "出生日期与公民身份号码不一致。"),
        (
            {"term_months": 40, "kind": "社区康复"},
            "期限(月)",
            "社区康复期限不得超过36个月（禁毒法第四十八条）。",
        ),
        (
            {"served_on": date(2020, 1, 1), "decision_date": date(2020, 2, 1), "reported_on": None},
            "送达日期",
            "送达日期不能早于决定日期。",
        ),
        (
            {"decision_date": "下周一"},
            "决定日期",
            "日期格式无法识别（可写作 2027-03-01、2027/3/1 或 2027年3月1日）",
        ),
        ({"community": "别的社区"}, "责任社区", "“别的社区”不是本乡镇（街道）的社区"),
        ({"sex": "未知"}, "性别", "“未知”不是允许的值（可填：男、女）"),
        ({"community_user": "nobody"}, "社工账号", "找不到在岗的账号“nobody”"),
    ],
)
def test_each_rule_of_the_registration_form_is_named_by_cell(world, override, column, message):
    """casework.forms PersonForm/EpisodeForm; 禁毒法 art 48 (term), 戒毒条例 art 13 (delivery)."""
    today = timezone.localdate()
    row = person_row(3, world["c1"], reported=today - timedelta(days=30), served=today - timedelta(days=35))
    if override.get("id_number", "") is None:
        override = {k: v for k, v in override.items() if k != "id_number"}
        row["sex"] = "女" if row["sex"] == "男" else "男"
        override.pop("sex")
    row.update(override)
    check = caseload_check(township=world["t1"], file_name="x.xlsx", content=workbook_bytes([row]))
    assert [(p.column, p.message) for p in check.problems][:1] == [(column, message)]


def test_dates_in_every_format_and_as_excel_serials(world):
    """Dates typed as text (2027-03-01, 2027/3/1, 2027年3月1日) or kept as Excel serial numbers."""
    from caseload.sheet import date_parse

    assert (
        date_parse("2027-03-01") == date_parse("2027/3/1") == date_parse("2027年3月1日") == date(2027, 3, 1)
    )
    assert date_parse(46447) == date(2027, 3, 1)
    assert date_parse("46447") == date(2027, 3, 1)
    today = timezone.localdate()
    served = today - timedelta(days=20)
    row = person_row(
        5,
        world["c1"],
        reported=None,
        served=served,
        decision_date=f"{served.year}年{served.month}月{served.day}日",
    )
    row["served_on"] = (served - date(1899, 12, 30)).days
    check = caseload_check(township=world["t1"], file_name="x.xlsx", content=workbook_bytes([row]))
    assert check.ok, [str(p) for p in check.problems]
    assert check.rows[0].episode_form.cleaned_data["served_on"] == served


def test_the_same_file_twice_changes_nothing_and_a_changed_row_updates_only_what_changed(world):
    """Idempotent import: a second run finds every row unchanged; an edited phone is the only change."""
    persons, tests, talks = _caseload(world, n=20)
    content = workbook_bytes(persons, tests, talks)
    actor = world["work_station1_user"]
    caseload_import(township=world["t1"], actor=actor, file_name="a.xlsx", content=content)
    before = _counts()
    again = caseload_import(township=world["t1"], actor=actor, file_name="a.xlsx", content=content)
    assert again.changed_nothing and again.unchanged == 20
    assert _counts() == before

    persons[2]["phone"] = "13912345678"
    check = caseload_check(
        township=world["t1"], file_name="b.xlsx", content=workbook_bytes(persons, tests, talks)
    )
    assert [(r.number, r.changes) for r in check.changed_rows] == [
        (4, [("联系电话", "139****0002", "139****5678")])
    ]
    result = caseload_import(
        township=world["t1"], actor=actor, file_name="b.xlsx", content=workbook_bytes(persons, tests, talks)
    )
    assert (result.created, result.updated) == (0, 1)
    assert Person.objects.get(name="导入2").phone == "13912345678"
    assert CaseEvent.objects.filter(kind="person_updated", person__name="导入2").count() == 1


def test_a_person_held_elsewhere_is_refused_for_that_row_only(world):
    """个人信息保护法 art 34: the importer learns only that the person is registered elsewhere."""
    today = timezone.localdate()
    held = f.person_with_episode(world["c2"])
    rows = [person_row(7, world["c1"], reported=None, served=today - timedelta(days=2))]
    rows.append(
        person_row(
            8,
            world["c1"],
            reported=None,
            served=today - timedelta(days=2),
            id_number=held.id_number,
            name=held.name,
        )
    )
    before = Episode.objects.filter(township=world["t2"]).values_list("pk", "status", "community_id")
    before = list(before)
    result = caseload_import(
        township=world["t1"],
        actor=world["work_station1_user"],
        file_name="a.xlsx",
        content=workbook_bytes(rows),
    )
    assert (result.created, result.elsewhere) == (1, 1)
    assert (
        list(Episode.objects.filter(township=world["t2"]).values_list("pk", "status", "community_id"))
        == before
    )
    assert Person.objects.get(pk=held.pk).region_id == world["c2"].pk
    assert not CaseEvent.objects.filter(person=held).exists()


def test_nothing_moves_outside_the_importers_township(world):
    """A file of township 1 writes only rows of township 1; township 2's duties stay as they were."""
    f.person_with_episode(world["c2"])
    other = list(Obligation.objects.filter(township=world["t2"]).values_list("pk", "status", "due_by"))
    persons, tests, talks = _caseload(world, n=40)
    caseload_import(
        township=world["t1"],
        actor=world["work_station1_user"],
        file_name="a.xlsx",
        content=workbook_bytes(persons, tests, talks),
    )
    assert set(
        Episode.objects.exclude(person__episodes__township=world["t2"]).values_list("township", flat=True)
    ) == {world["t1"].pk}
    assert set(Obligation.objects.exclude(township=world["t2"]).values_list("township", flat=True)) == {
        world["t1"].pk
    }
    assert (
        list(Obligation.objects.filter(township=world["t2"]).values_list("pk", "status", "due_by")) == other
    )


def test_import_caseload_command_dry_run_and_commit(world, tmp_path, capsys):
    """manage.py import_caseload FILE --township CODE [--dry-run]."""
    today = timezone.localdate()
    path = tmp_path / "名册.xlsx"
    path.write_bytes(
        workbook_bytes([person_row(9, world["c1"], reported=None, served=today - timedelta(days=2))])
    )
    call_command(
        "import_caseload", str(path), "--township", world["t1"].code, "--dry-run", "--user", "work_station1"
    )
    assert "检查通过（未写入）：新建 1 人" in capsys.readouterr().out
    assert Person.objects.count() == 0
    call_command("import_caseload", str(path), "--township", world["t1"].code, "--user", "work_station1")
    call_command("import_caseload", str(path), "--township", world["t1"].code, "--user", "work_station1")
    out = capsys.readouterr().out
    assert "已导入：新建 1 人" in out and "与已有数据相同，没有任何变化" in out
