"""The only code that changes an episode's status (rules.md §1.13).

`episode_transition` locks the row, checks the move against ALLOWED_MOVES and
writes a case event, all in one transaction.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from casework.locks import episode_lock
from casework.models import Episode
from casework.services import event_record

S = Episode.Status

ALLOWED_MOVES: dict[str, set[str]] = {
    S.DECIDED: {S.REPORTED, S.REFUSAL_REPORTED, S.TERMINATED, S.DECEASED},
    S.REFUSAL_REPORTED: {S.COMPULSORY, S.REPORTED, S.TERMINATED, S.DECEASED},
    S.REPORTED: {S.ACTIVE, S.TERMINATED, S.DECEASED},
    S.ACTIVE: {
        S.VIOLATION_REPORTED,
        S.OUT_OF_COUNTY,
        S.SUSPENDED,
        S.TRANSFER_PENDING,
        S.MISSING,
        S.COMPLETED,
        S.TERMINATED,
        S.COMPULSORY,
        S.DECEASED,
    },
    S.VIOLATION_REPORTED: {S.ACTIVE, S.COMPULSORY, S.TERMINATED, S.DECEASED},
    S.OUT_OF_COUNTY: {S.ACTIVE, S.MISSING, S.VIOLATION_REPORTED, S.DECEASED},
    S.SUSPENDED: {S.ACTIVE, S.TERMINATED, S.DECEASED},
    S.TRANSFER_PENDING: {S.ACTIVE, S.REPORTED, S.VIOLATION_REPORTED, S.DECEASED},
    S.MISSING: {S.ACTIVE, S.VIOLATION_REPORTED, S.DECEASED},
    S.COMPLETED: set(),
    S.COMPULSORY: set(),
    S.TERMINATED: set(),
    S.DECEASED: set(),
}


class TransitionNotAllowed(Exception):
    """The move is not in the allowed-moves table; the message says so in the user's language."""


@transaction.atomic
def episode_transition(*, episode_id: int, to: str, actor, message: str = "", **fields) -> Episode:
    """Move the episode to `to`, setting `fields`, and record the event. Raise TransitionNotAllowed."""
    episode = episode_lock(episode_id)
    if to not in ALLOWED_MOVES.get(episode.status, set()):
        raise TransitionNotAllowed(
            _("当前状态“%(current)s”不能变更为“%(target)s”。")
            % {"current": episode.get_status_display(), "target": S(to).label}
        )
    previous = episode.status
    episode.status = to
    for name, value in fields.items():
        setattr(episode, name, value)
    episode.save(update_fields=["status", *fields])
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind="status_changed",
        message=message or f"状态：{S(previous).label} → {S(to).label}",
        previous=previous,
        status=to,
    )
    return episode
