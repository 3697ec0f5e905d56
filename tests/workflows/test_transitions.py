"""The allowed-moves table on its own: every status is in it, a closed episode never moves,
every listed move succeeds with its case event and every other move is refused with nothing
written (rules.md §1.13: an episode's status changes only through the transitions)."""

import pytest

from casework.models import CaseEvent, Episode
from tests import factories as f
from workflows.transitions import ALLOWED_MOVES, TransitionNotAllowed, episode_transition

S = Episode.Status


def test_the_table_names_every_status_and_closed_ones_lead_nowhere():
    assert set(ALLOWED_MOVES) == set(S.values)
    for status in Episode.CLOSED_STATUSES:
        assert ALLOWED_MOVES[status] == set()
    for status, targets in ALLOWED_MOVES.items():
        assert status not in targets
        assert targets <= set(S.values)
    # Every open status can still end: death is always a way out of an open episode.
    for status in set(S.values) - set(Episode.CLOSED_STATUSES):
        assert S.DECEASED in ALLOWED_MOVES[status]


@pytest.mark.django_db
def test_every_pair_of_statuses_moves_exactly_as_the_table_says(world):
    episode = f.person_with_episode(world["c1"]).episodes.get()
    actor = world["work_station1_user"]
    moved = refused = 0
    for current in S.values:
        for target in S.values:
            Episode.objects.filter(pk=episode.pk).update(status=current)
            events = CaseEvent.objects.filter(episode=episode, kind="status_changed").count()
            if target in ALLOWED_MOVES[current]:
                result = episode_transition(episode_id=episode.pk, to=target, actor=actor)
                assert result.status == target
                event = CaseEvent.objects.filter(episode=episode, kind="status_changed").latest("pk")
                assert (event.data["previous"], event.data["status"]) == (current, target)
                moved += 1
            else:
                with pytest.raises(TransitionNotAllowed):
                    episode_transition(episode_id=episode.pk, to=target, actor=actor)
                assert Episode.objects.get(pk=episode.pk).status == current
                assert CaseEvent.objects.filter(episode=episode, kind="status_changed").count() == events
                refused += 1
    assert moved == sum(len(t) for t in ALLOWED_MOVES.values())
    assert moved + refused == len(S.values) ** 2
