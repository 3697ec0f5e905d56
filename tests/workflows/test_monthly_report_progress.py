"""A monthly report not stored yet is made in the background; the page polls its status."""

import socket
import time
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from oversight.models import MonthlyReport
from oversight.monthly import monthly_report_make, monthly_report_request
from tests import factories as f

MAY = date(2025, 5, 1)
TASK = "oversight.tasks.monthly_report_make"


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def status_url(region, year=2025, month=5):
    return reverse("monthly_report_status", args=[region.pk, year, month])


def ask(client, region, month="2025-05"):
    return client.post(reverse("monthly_report"), {"township": region.pk, "month": month})


@pytest.fixture
def published():
    """The names of the Celery tasks sent to the broker while the test runs."""
    from celery.signals import before_task_publish

    sent = []

    def record(sender=None, **kwargs):
        sent.append(sender)

    before_task_publish.connect(record, weak=False)
    yield sent
    before_task_publish.disconnect(record)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(not redis_available(), reason="needs Redis on 127.0.0.1:6379")
def test_one_run_is_started_and_its_status_turns_into_the_link(client, world, settings, tmp_path, published):
    """Two requests for the same report start one task; the status answers 生成中… until a real
    worker has stored the PDF, then the download link, which serves the stored file."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    settings.MEDIA_ROOT = tmp_path
    app.conf.update(broker_url=settings.REDIS_URL, result_backend=settings.REDIS_URL, task_always_eager=False)
    app.control.purge()  # a message left by an earlier run would be another task on this worker
    client.force_login(world["sup1_user"])

    first = ask(client, world["t1"])
    assert first.status_code == 200
    body = first.content.decode()
    assert "生成中…" in body and f'data-progress="{status_url(world["t1"])}"' in body
    assert "js/progress.js" in body
    pending = client.get(status_url(world["t1"])).content.decode()
    assert "生成中…" in pending and "data-progress" in pending
    second = ask(client, world["t1"])
    assert second.status_code == 200 and "生成中…" in second.content.decode()
    assert published.count(TASK) == 1
    assert MonthlyReport.objects.get().status == "making"

    pdf_url = reverse("monthly_report_pdf", args=[world["t1"].pk, 2025, 5])
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        deadline = time.monotonic() + 60
        while "生成中…" in (answer := client.get(status_url(world["t1"])).content.decode()):
            assert time.monotonic() < deadline, "the report was not made within 60 s"
            time.sleep(0.5)
    assert f'href="{pdf_url}"' in answer and "data-progress" not in answer
    report = MonthlyReport.objects.get()
    assert report.status == "done" and report.error == ""
    # Stored now: the form sends to the PDF at once, starting nothing more.
    third = ask(client, world["t1"])
    assert third.status_code == 302 and third.url == pdf_url
    assert published.count(TASK) == 1
    with report.file.open("rb") as handle:
        assert client.get(pdf_url).content == handle.read()


def test_a_future_month_or_an_unknown_region_is_refused_and_nothing_starts(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world["sup1_user"])
    next_month = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)
    with django_capture_on_commit_callbacks() as callbacks:
        future = ask(client, world["t1"], f"{next_month:%Y-%m}")
        unknown = client.post(reverse("monthly_report"), {"township": 987654, "month": "2025-05"})
    assert future.context["form"].errors["month"] == ["不能选择未来的月份。"]
    assert "township" in unknown.context["form"].errors
    assert future.context["report"] is None and unknown.context["report"] is None
    with pytest.raises(ValidationError) as refused:
        monthly_report_request(actor=world["sup1_user"], township=world["t1"], month=next_month)
    assert refused.value.messages == ["不能选择未来的月份。"]
    assert callbacks == [] and not MonthlyReport.objects.exists()
    assert client.get(status_url(world["t1"], next_month.year, next_month.month)).status_code == 404


def test_a_user_outside_the_region_gets_404_and_nothing_starts(
    client, world, django_capture_on_commit_callbacks
):
    MonthlyReport.objects.create(township=world["t1"], month=MAY, status="making", started_at=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:
        client.force_login(world["sup2_user"])
        assert client.get(status_url(world["t1"])).status_code == 404
        assert "township" in ask(client, world["t1"]).context["form"].errors
        client.force_login(world["police1_user"])
        assert client.get(status_url(world["t1"])).status_code == 404
        assert ask(client, world["t1"]).status_code == 404
        client.force_login(world["sup1_user"])
        assert client.get(status_url(world["county"])).status_code == 404  # above the township
        with pytest.raises(PermissionDenied):
            monthly_report_request(actor=world["sup2_user"], township=world["t1"], month=MAY)
    assert callbacks == []
    assert list(MonthlyReport.objects.values_list("township_id", "status")) == [(world["t1"].pk, "making")]


def test_a_failed_or_abandoned_run_is_shown_and_a_new_request_starts_it_again(
    client, world, django_capture_on_commit_callbacks
):
    report = MonthlyReport.objects.create(
        township=world["t1"], month=MAY, status="failed", error="OSError: no space left on device"
    )
    client.force_login(world["sup1_user"])
    failed = client.get(status_url(world["t1"])).content.decode()
    assert "月报生成失败，请稍后重新提交；如仍失败，请联系系统管理员。" in failed
    assert "data-progress" not in failed and "OSError" not in failed
    with django_capture_on_commit_callbacks() as callbacks:
        assert "生成中…" in ask(client, world["t1"]).content.decode()
        assert "生成中…" in ask(client, world["t1"]).content.decode()  # running now: no second start
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert (report.status, report.error) == ("making", "")
    # A run that began over ten minutes ago and never finished is taken for dead.
    MonthlyReport.objects.filter(pk=report.pk).update(started_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks() as callbacks:
        ask(client, world["t1"])
    assert len(callbacks) == 1 and MonthlyReport.objects.count() == 1


def test_status_query_count_is_pinned_and_flat_in_stored_reports(client, world, django_assert_num_queries):
    MonthlyReport.objects.create(township=world["t1"], month=MAY, status="making", started_at=timezone.now())
    client.force_login(world["county_sup_user"])
    client.get(status_url(world["t1"]))
    # session, user, staff with agency and region, the region asked for, the report
    with django_assert_num_queries(5):
        assert client.get(status_url(world["t1"])).status_code == 200
    for n in range(1, 13):
        for township in (world["t1"], world["t2"]):
            MonthlyReport.objects.create(township=township, month=date(2024, n, 1), file=f"r/{n}.pdf")
    with django_assert_num_queries(5):
        assert "生成中…" in client.get(status_url(world["t1"])).content.decode()


def test_a_report_of_the_month_in_progress_made_before_today_is_made_again(
    client, world, django_capture_on_commit_callbacks
):
    this_month = timezone.localdate().replace(day=1)
    MonthlyReport.objects.create(
        township=world["t1"], month=this_month, file="r/t1.pdf", made_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(world["sup1_user"])
    with django_capture_on_commit_callbacks() as callbacks:
        response = ask(client, world["t1"], f"{this_month:%Y-%m}")
    assert response.status_code == 200 and "生成中…" in response.content.decode()
    assert len(callbacks) == 1 and MonthlyReport.objects.get().status == "making"


def test_a_run_that_cannot_make_the_report_marks_it_failed_with_the_cause(world, settings, tmp_path):
    """A region with no 禁毒办 above it has no one to read the report for: the row is failed, not
    left "making" for the page to poll for ever, and no file is written."""
    settings.MEDIA_ROOT = tmp_path
    township = f.region_tree(county_code="320998", townships=1)["townships"][0]
    report = MonthlyReport.objects.create(
        township=township, month=MAY, status="making", started_at=timezone.now()
    )
    made = monthly_report_make(report.pk)
    assert (made.status, made.error, made.file.name) == ("failed", "本地区及上级地区没有禁毒办工作人员。", "")
    assert list(tmp_path.rglob("*.pdf")) == []
    assert monthly_report_make(report.pk) is None  # no longer making: a repeated message does nothing
