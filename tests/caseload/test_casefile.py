"""The case file (卷宗): sections in the order of rules.md §6.3, only what the reader may read,
full numbers only with a reason, every export in the access log; a township's zip."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from caseload.casefile import SECTIONS, archive_build, casefile_sections
from casework.models import DrugTest, Talk
from permissions.models import AccessLog
from tests import factories as f

pytestmark = pytest.mark.django_db


def _person_with_history(world):
    person = f.person_with_episode(world["c1"])
    f.add_member(person, world["sw1_user"], "community")
    f.add_member(person, world["police1_user"], "police")
    episode = person.episodes.get()
    day = episode.start_date + timedelta(days=30)
    DrugTest.objects.create(
        episode=episode,
        person=person,
        tested_on=day,
        place="工作站",
        result="negative",
        collector_1="甲",
        collector_1_sex="M",
        collector_2="乙",
        collector_2_sex="M",
        recorded_by=world["work_station1_user"],
    )
    Talk.objects.create(
        episode=episode, person=person, held_on=day, staff=world["sw1_user"], summary="谈话内容样本"
    )
    return person


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_has_the_sections_in_order_and_a_police_reader_no_talks(client, world, cjk_font):
    """rules.md §6.3 (case file contents) and §7 (least privilege): the police read tests, not talk notes."""
    person = _person_with_history(world)
    client.force_login(world["work_station1_user"])
    response = client.post(f"/persons/{person.pk}/casefile/", {"reason": ""})
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    titles = [
        str(s.title) for s in SECTIONS if s.key not in ("absences", "breaches", "training", "assistance")
    ]
    positions = [text.find(t) for t in titles]
    assert -1 not in positions and positions == sorted(positions), list(zip(titles, positions, strict=True))
    assert "谈话内容样本" in text and person.id_number not in text and person.id_number_masked in text
    assert (
        AccessLog.objects.filter(
            person_id=person.pk, action="export", user=world["work_station1_user"]
        ).count()
        == 1
    )

    client.force_login(world["police1_user"])
    police = _text(client.post(f"/persons/{person.pk}/casefile/", {"reason": ""}).content)
    assert "检测记录" in police and "谈话走访记录" not in police and "谈话内容样本" not in police


def test_a_reader_without_the_test_record_type_gets_no_test_section(world):
    """permissions matrix: a party without `drugtest` sees no test section at all, heading included."""
    person = _person_with_history(world)
    _number, sections = casefile_sections(person, {"talk"}, reveal=False)
    keys = [s.key for s in sections]
    assert "tests" not in keys and "talks" in keys
    _number, sections = casefile_sections(person, {"drugtest"}, reveal=False)
    tests = next(s for s in sections if s.key == "tests")
    assert len(tests.rows) == 1


def test_full_numbers_only_with_a_reason_and_the_reason_is_logged(client, world, cjk_font):
    """rules.md §7: full identifiers after a reason, logged as with reveal."""
    person = _person_with_history(world)
    client.force_login(world["work_station1_user"])
    text = _text(client.post(f"/persons/{person.pk}/casefile/", {"reason": "法院调取档案"}).content)
    assert person.id_number in text
    log = AccessLog.objects.get(person_id=person.pk, action="export")
    assert log.reason == "法院调取档案" and "identifiers" in log.record_types


def test_a_stranger_gets_404_and_no_log(client, world):
    """architecture.md §4.1: a forbidden person answers 404, the same as a missing one."""
    person = _person_with_history(world)
    client.force_login(world["work_station2_user"])
    assert client.post(f"/persons/{person.pk}/casefile/", {"reason": ""}).status_code == 404
    assert not AccessLog.objects.filter(person_id=person.pk).exists()


def test_casefile_queries_are_flat_in_the_history(world, django_assert_max_num_queries):
    """The file costs the same number of queries for one test as for forty."""
    person = _person_with_history(world)
    with django_assert_max_num_queries(20) as first:
        casefile_sections(person, {"drugtest", "talk"}, reveal=False)
    episode = person.episodes.get()
    for n in range(40):
        DrugTest.objects.create(
            episode=episode,
            person=person,
            tested_on=episode.start_date + timedelta(days=n),
            place="站",
            result="negative",
            collector_1="甲",
            collector_1_sex="M",
            collector_2="乙",
            collector_2_sex="M",
            recorded_by=world["work_station1_user"],
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        casefile_sections(person, {"drugtest", "talk"}, reveal=False)


def test_the_township_zip_is_built_with_progress_for_the_supervisor(client, world, cjk_font, monkeypatch):
    """A township's files at once for its supervisor; each person's export logged at the request."""
    from caseload import tasks

    monkeypatch.setattr(tasks.casefile_archive_build, "delay", lambda pk: archive_build(pk))
    persons = [_person_with_history(world) for _ in range(3)]
    f.person_with_episode(world["c2"])
    client.force_login(world["sup1_user"])
    with __import__("django.test", fromlist=["x"]).TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/caseload/casefiles/", {"reason": "年度档案检查", "township": world["t1"].code}
        )
    assert response.status_code == 302
    from caseload.models import CaseFileArchive

    archive = CaseFileArchive.objects.get()
    assert (archive.status, archive.done, archive.total) == ("done", 3, 3)
    page = client.get(f"/caseload/casefiles/{archive.pk}/?township={world['t1'].code}")
    assert "下载 zip" in page.content.decode()
    download = client.get(f"/caseload/casefiles/{archive.pk}/download/?township={world['t1'].code}")
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert len(bundle.namelist()) == 3
    assert AccessLog.objects.filter(action="export", reason="年度档案检查").count() == 3
    assert {p.pk for p in persons} == set(
        AccessLog.objects.filter(action="export").values_list("person_id", flat=True)
    )
    client.force_login(world["sw1_user"])
    assert client.get("/caseload/casefiles/").status_code == 404
    _ = timezone


def test_the_county_office_chooses_a_township_before_its_zip(client, world):
    """The county 禁毒办 supervises every township under it: it picks one, then gets that
    township's page; a township's own office cannot open another township's."""
    client.force_login(world["county_sup_user"])
    chooser = client.get("/caseload/casefiles/").content.decode()
    for township in (world["t1"], world["t2"]):
        assert f'href="?township={township.code}"' in chooser
    page = client.get(f"/caseload/casefiles/?township={world['t2'].code}")
    assert page.status_code == 200 and world["t2"].name in page.content.decode()
    client.force_login(world["sup1_user"])
    assert client.get(f"/caseload/casefiles/?township={world['t2'].code}").status_code == 404
