"""The timeline does not tell what the records say to a party that may not read them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.services import event_record
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_timeline_hides_lines_about_records_the_reader_may_not_see(client, world):
    """个人信息保护法 arts 28, 51 and 戒毒条例 art 7: least privilege applies to the timeline too."""
    person = f.person_with_episode(world["c1"], served_on=timezone.localdate() - timedelta(days=3))
    episode = person.episodes.get()
    ws = world["work_station1_user"]
    for kind, message in (
        ("drug_test", "吸毒检测（尿液）：阳性"),
        ("talk", "谈话：家庭矛盾"),
        ("absence_reported", "外出报备：前往广州"),
        ("breach_confirmed", "确认违反协议：拒绝接受检测"),
        ("agreement", "签订协议"),
    ):
        event_record(person=person, episode=episode, actor=ws, kind=kind, message=message)
    client.force_login(ws)
    page = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    for text in ("阳性", "家庭矛盾", "前往广州", "拒绝接受检测", "签订协议"):
        assert text in page  # the work station reads every record type
    client.force_login(world["judicial1_user"])  # 司法所: violations (and legal aid) only
    page = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert "签订协议" in page and "拒绝接受检测" in page
    for text in ("阳性", "家庭矛盾", "前往广州"):
        assert text not in page
