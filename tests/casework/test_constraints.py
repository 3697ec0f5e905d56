"""The database itself refuses what the law forbids, whatever path the write takes."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from casework.models import Episode
from tests import factories as f

pytestmark = pytest.mark.django_db


def clone(episode: Episode, **changes) -> Episode:
    episode.pk = None
    episode.decision_number = episode.decision_number + "-2"
    for name, value in changes.items():
        setattr(episode, name, value)
    return episode


def test_a_person_has_at_most_one_open_episode(world):
    person = f.person_with_episode(world["c1"])
    with pytest.raises(IntegrityError), transaction.atomic():
        clone(person.episodes.get()).save()
    assert person.episodes.count() == 1


def test_closed_episodes_do_not_block_a_new_one(world):
    person = f.person_with_episode(world["c1"], status=Episode.Status.COMPLETED)
    clone(person.episodes.get(), status=Episode.Status.DECIDED).save()
    assert person.episodes.count() == 2


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": Episode.Kind.DETOX, "term_months": 24},  # 戒毒条例 art 14: 社区戒毒 is three years
        {"kind": Episode.Kind.REHAB, "term_months": 37},  # 禁毒法 art 48: 社区康复 at most three years
        {"served_on": date(2024, 12, 31)},  # service before the decision
    ],
)
def test_check_constraints(world, changes):
    person = f.person_with_episode(world["c1"], status=Episode.Status.COMPLETED)
    with pytest.raises(IntegrityError), transaction.atomic():
        clone(person.episodes.get(), status=Episode.Status.COMPLETED, **changes).save()


def test_decision_numbers_are_unique_per_authority(world):
    person = f.person_with_episode(world["c1"], status=Episode.Status.COMPLETED)
    episode = person.episodes.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        clone(episode, decision_number=episode.decision_number).save()


@pytest.mark.postgres
def test_subtree_filter_uses_one_indexed_predicate(world):
    """A supervisor's region is one LIKE 'path%' on an indexed column (varchar_pattern_ops on PostgreSQL)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'casework_region' AND indexdef LIKE '%%pattern_ops%%'"
        )
        assert any("path" in row[0] for row in cursor.fetchall())
