"""The monthly township report: exact figures in the PDF, region scope, storage, access log."""

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from casework.models import Certification, Episode, Obligation, Transfer
from oversight.models import MonthlyReport
from oversight.monthly import monthly_report_make, monthly_reports_generate, render_pdf, report_context
from oversight.rates import rates_for
from permissions.models import AccessLog
from tests import factories as f
from tests.conftest import CJK_FONT_PACKAGE, cjk_font_problem

pytestmark = pytest.mark.django_db

MAY = date(2025, 5, 1)
TODAY = date(2025, 6, 15)


def obligation(person, kind, due_by, status, done_on=None):
    episode = person.episodes.get()
    return Obligation.objects.create(
        episode=episode,
        person=person,
        kind=kind,
        sequence=1,
        programme_year=1,
        due_from=date(2025, 1, 1),
        due_by=due_by,
        township_id=episode.township_id,
        status=status,
        done_on=done_on,
    )


def transfer(person, src, dst, decided_on, user):
    return Transfer.objects.create(
        episode=person.episodes.get(),
        person=person,
        from_township=src,
        from_community=person.region,
        to_township=dst,
        reason="迁居",
        status=Transfer.Status.ACCEPTED,
        requested_by=user,
        requested_on=decided_on,
        decided_on=decided_on,
    )


@pytest.fixture
def month(world):
    """Township 1 in May 2025 against April. Township 2 has its own unreported person."""
    w = world
    unreported = f.person_with_episode(w["c1"], status=Episode.Status.DECIDED, served_on=date(2025, 5, 10))
    active = f.person_with_episode(w["c1b"], served_on=date(2025, 1, 1))
    obligation(active, "drug_test", date(2025, 4, 20), "done", done_on=date(2025, 5, 5))  # late in April only
    obligation(active, "talk", date(2025, 5, 20), "overdue")  # overdue at the end of May
    obligation(active, "release", date(2025, 4, 25), "excused")  # excused: never counted
    Certification.objects.create(
        episode=active.episodes.get(),
        summary="执行良好",
        proposed_by=w["work_station1_user"],
        proposed_on=date(2025, 5, 20),  # more than 7 days before June 1
    )
    closed = f.person_with_episode(w["c1"], served_on=date(2025, 1, 1))
    Episode.objects.filter(person=closed).update(status=Episode.Status.COMPLETED, closed_on=date(2025, 5, 20))
    april = f.person_with_episode(w["c1"], served_on=date(2025, 4, 15))  # new in April, reported on time
    moved_in = f.person_with_episode(w["c2"], served_on=date(2025, 1, 1))
    transfer(moved_in, w["t2"], w["t1"], date(2025, 5, 12), w["work_station2_user"])
    moved_out = f.person_with_episode(w["c1b"], served_on=date(2025, 1, 1))
    transfer(moved_out, w["t1"], w["t2"], date(2025, 4, 3), w["work_station1_user"])
    other = f.person_with_episode(w["c2"], status=Episode.Status.DECIDED, served_on=date(2025, 5, 10))
    return {"unreported": unreported, "active": active, "april": april, "other": other}


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_a_missing_cjk_font_is_named_not_read_as_garbage(tmp_path):
    """Where fontconfig or a CJK font is missing, the PDF-text tests fail first with the package to
    install (tests/conftest.py cjk_font), never on glyph numbers."""
    assert CJK_FONT_PACKAGE == "fonts-noto-cjk"
    no_fontconfig = cjk_font_problem(fc_list=str(tmp_path / "fc-list"))
    assert no_fontconfig.startswith("fc-list (fontconfig) is not installed")
    assert "apt-get install fonts-noto-cjk fontconfig" in no_fontconfig
    empty = tmp_path / "fc-list-empty"
    empty.write_text("#!/bin/sh\nexit 0\n")
    empty.chmod(0o755)
    no_font = cjk_font_problem(fc_list=str(empty))
    assert no_font.startswith("no CJK font is installed (fc-list :lang=zh finds none)")
    assert "apt-get install fonts-noto-cjk" in no_font


def test_report_figures_for_a_known_township(cjk_font, world, month):
    """Rates (rules.md §5) for May, overdue at the end of May against the end of April, changes."""
    ctx = report_context(world["sup1_user"], world["t1"], MAY, today=TODAY)
    assert ctx["cutoff"] == date(2025, 6, 1)
    overdue = {o["kind"]: (o["this"], o["last"], o["delta"]) for o in ctx["overdue"]}
    assert overdue == {
        "unreported": (1, 0, 1),  # deadline May 25, never reported
        "drug_test": (0, 1, -1),  # due April 20, done May 5
        "talk": (1, 0, 1),
        "certification": (1, 0, 1),  # proposed May 20, undecided
    }
    assert (ctx["overdue_total"], ctx["overdue_total_last"]) == (3, 1)
    changes = {c.key: (c.this, c.last) for c in ctx["changes"]}
    assert changes == {"new": (1, 1), "closed": (1, 0), "transfer_in": (1, 0), "transfer_out": (0, 1)}
    assert [(r["kind"], r["person_id"], r["days"]) for r in ctx["listed"]] == [
        ("talk", month["active"].pk, 12),
        ("unreported", month["unreported"].pk, 7),
        ("certification", month["active"].pk, 5),
    ]
    expected = rates_for(world["sup1_user"], world["t1"], MAY, date(2025, 5, 31)).by_key()
    got = {r.key: (r.numerator, r.denominator) for r, _before in ctx["rates"]}
    assert got == {k: (r.numerator, r.denominator) for k, r in expected.items()}
    assert got["report"] == (0, 1)  # 戒毒条例 art 14: one deadline fell in May, not met

    text = pdf_text(render_pdf(ctx))
    assert text.startswith(f"{world['t1'].name}社区戒毒社区康复工作月报")
    assert "2025年5月" in text
    assert "逾期未报到 1 0 +1" in text
    assert "检测逾期 0 1 -1" in text
    assert "脱毒认定待审批超过7天 1 0 +1" in text
    assert "合计 3 1" in text
    assert "变更执行地转入 1 0 +1" in text
    assert "报到率 0.0% 0 / 1" in text
    assert month["unreported"].name in text and month["other"].name not in text


def test_township_supervisor_gets_only_their_township(cjk_font, client, world, month):
    url_t1 = reverse("monthly_report_pdf", args=[world["t1"].pk, 2025, 5])
    url_t2 = reverse("monthly_report_pdf", args=[world["t2"].pk, 2025, 5])
    client.force_login(world["sup1_user"])
    assert client.get(url_t2).status_code == 404
    assert client.get(reverse("monthly_report_pdf", args=[world["c1"].pk, 2025, 5])).status_code == 404
    assert client.get(reverse("monthly_report_pdf", args=[world["t1"].pk, 2999, 1])).status_code == 404
    response = client.get(url_t1)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert month["other"].name not in pdf_text(response.content)
    client.force_login(world["police1_user"])
    assert client.get(url_t1).status_code == 404
    assert client.get(reverse("monthly_report")).status_code == 404
    client.force_login(world["county_sup_user"])
    assert client.get(url_t2).status_code == 200


def test_page_form_offers_a_stored_report_at_once_and_refuses_other_townships(client, world, month):
    MonthlyReport.objects.create(township=world["t1"], month=MAY, file="r/t1.pdf", made_at=timezone.now())
    client.force_login(world["sup1_user"])
    page = client.get(reverse("monthly_report"))
    assert page.status_code == 200
    assert world["t2"].name not in page.content.decode()
    response = client.post(reverse("monthly_report"), {"township": world["t1"].pk, "month": "2025-05"})
    assert response.status_code == 302
    assert response.url == reverse("monthly_report_pdf", args=[world["t1"].pk, 2025, 5])
    refused = client.post(reverse("monthly_report"), {"township": world["t2"].pk, "month": "2025-05"})
    assert refused.status_code == 200 and "township" in refused.context["form"].errors
    assert MonthlyReport.objects.count() == 1


def test_stored_report_is_served_and_each_download_is_logged(client, world, month, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert monthly_reports_generate(date(2025, 6, 1)) == 2  # both townships have a 禁毒办
    report = MonthlyReport.objects.get(township=world["t1"], month=MAY)
    assert report.person_ids == sorted({month["active"].pk, month["unreported"].pk})
    assert monthly_reports_generate(date(2025, 6, 1)) == 2  # replaced, never duplicated
    assert MonthlyReport.objects.count() == 2
    report.refresh_from_db()
    stored = report.file.read()
    client.force_login(world["sup1_user"])
    response = client.get(reverse("monthly_report_pdf", args=[world["t1"].pk, 2025, 5]))
    assert response.content == stored
    logged = AccessLog.objects.filter(user=world["sup1_user"], action="export", record_types="monthly_report")
    assert sorted(logged.values_list("person_id", flat=True)) == report.person_ids
    assert world["t1"].name in client.get(reverse("monthly_report")).content.decode()


def test_page_query_count_is_flat_in_stored_reports(client, world, django_assert_max_num_queries):
    """The page lists the stored reports of the supervisor's region in one query, however many."""

    def store(months):
        for n in months:
            first = date(2023 + n // 12, n % 12 + 1, 1)
            for township in (world["t1"], world["t2"]):
                MonthlyReport.objects.create(township=township, month=first, file=f"r/{township.pk}-{n}.pdf")

    store(range(2))
    client.force_login(world["county_sup_user"])
    client.get(reverse("monthly_report"))
    with django_assert_max_num_queries(8) as few:
        assert client.get(reverse("monthly_report")).status_code == 200
    store(range(2, 20))
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(reverse("monthly_report")).content.decode()
    assert body.count(">下载</a>") == 24  # the latest 24


def test_regenerating_replaces_the_file_after_commit(
    world, month, settings, tmp_path, django_capture_on_commit_callbacks
):
    """A second run keeps one row and one file per township and month; the old file goes on commit."""
    settings.MEDIA_ROOT = tmp_path
    monthly_reports_generate(date(2025, 6, 1))
    first_name = MonthlyReport.objects.get(township=world["t1"], month=MAY).file.name
    with django_capture_on_commit_callbacks(execute=True):
        monthly_reports_generate(date(2025, 6, 1))
    report = MonthlyReport.objects.get(township=world["t1"], month=MAY)
    assert report.file.storage.exists(report.file.name)
    assert report.file.name == first_name or not report.file.storage.exists(first_name)
    assert len(list(tmp_path.rglob("*.pdf"))) == 2  # one a township


def test_county_roll_up_sums_the_townships_and_lists_each(cjk_font, client, world, month, settings, tmp_path):
    """The county report: its rates are the sum of its townships' figures, each township has its
    row, and a move between two of its own townships is no transfer in or out of the county."""
    county = world["county"]
    ctx = report_context(world["county_sup_user"], county, MAY, today=TODAY)
    assert ctx["roll_up"] and [row["township"] for row in ctx["townships"]] == [world["t1"], world["t2"]]
    parts = [
        rates_for(world["county_sup_user"], t, MAY, date(2025, 5, 31)).by_key()
        for t in (world["t1"], world["t2"])
    ]
    for rate, _before in ctx["rates"]:
        assert (rate.numerator, rate.denominator) == (
            sum(p[rate.key].numerator for p in parts),
            sum(p[rate.key].denominator for p in parts),
        ), rate.key
    assert sum(row["overdue"] for row in ctx["townships"]) == ctx["overdue_total"]
    changes = {c.key: (c.this, c.last) for c in ctx["changes"]}
    assert changes["transfer_in"] == (0, 0) and changes["transfer_out"] == (0, 0)
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world["county_sup_user"])
    asked = client.post(reverse("monthly_report"), {"township": county.pk, "month": "2025-05"})
    assert asked.status_code == 200 and asked.context["report"].status == "making"
    assert monthly_report_make(asked.context["report"].pk).status == "done"
    again = client.post(reverse("monthly_report"), {"township": county.pk, "month": "2025-05"})
    assert again.url == reverse("monthly_report_pdf", args=[county.pk, 2025, 5])
    text = pdf_text(client.get(again.url).content)
    assert text.startswith(f"{county.name}社区戒毒社区康复工作月报（全县汇总）")
    assert world["t1"].name in text and world["t2"].name in text and "各乡镇(街道)主要指标" in text
    client.force_login(world["sup1_user"])
    assert client.get(reverse("monthly_report_pdf", args=[county.pk, 2025, 5])).status_code == 404
