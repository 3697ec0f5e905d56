"""The gate: may this user see or do this on this person?

One question asked by every page, print, export and side panel about a person, answered from
the grants (which rows), the party's record types (the matrix) and the state of the person's
case (a pending transfer). A refusal is the same 404 as a missing person.

The abilities:

- see the file (identity, episodes, team, timeline): anyone the door lets through, except a work
  station that holds the person only because a transfer names it as the new place (戒毒条例
  art 22): until it accepts, it sees the request (name, masked identity, the decision's summary)
  and may act on it, and nothing else;
- read a record type: the file, and the type in the party's row of the matrix;
- edit identity: the `identity` record type (the work station of the execution place);
- print or show full identifiers: the `identifiers` record type, with a reason, logged;
- act on a step: the agency's act grant (`act_work_station`, `act_police`, ...), on the file.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.http import Http404

from casework.models import Person

from . import selectors
from .models import RecordType


@dataclass(frozen=True)
class PersonGate:
    """What one user may see and do about one person (already let through the door)."""

    person: Person
    access: selectors.PersonAccess

    @property
    def transfer_request_only(self) -> bool:
        """The user's station is the new place of a pending transfer and holds nothing else."""
        return self.access.receiving_transfer

    @property
    def sees_file(self) -> bool:
        return not self.transfer_request_only

    @property
    def record_types(self) -> frozenset[str]:
        return self.access.record_types if self.sees_file else frozenset()

    @property
    def actions(self) -> frozenset[str]:
        return self.access.actions if self.sees_file else frozenset()

    def reads(self, record_type: str) -> bool:
        return record_type in self.record_types

    def acts(self, *codenames: str) -> bool:
        return bool(set(codenames) & self.actions)

    @property
    def edits_identity(self) -> bool:
        return self.reads(RecordType.IDENTITY)

    @property
    def full_identifiers(self) -> bool:
        return self.reads(RecordType.IDENTIFIERS)


def person_gate(
    user,
    person_id,
    *,
    file: bool = True,
    read: str | None = None,
    act: str | Iterable[str] | None = None,
    edit_identity: bool = False,
    full_identifiers: bool = False,
) -> PersonGate:
    """Return the gate of a person the user may see with every ability asked for, else raise Http404.

    `file=False` lets through the receiving station of a pending transfer too (the person page
    shows it the request); every other ability implies the file. Two queries: the door's and
    the user's grants on the person.
    """
    person = selectors.person_get(user, person_id)
    gate = PersonGate(person, selectors.person_access_for(user, person))
    codenames = (act,) if isinstance(act, str) else tuple(act or ())
    refused = (
        (file and not gate.sees_file)
        or (read is not None and not gate.reads(read))
        or (codenames and not gate.acts(*codenames))
        or (edit_identity and not gate.edits_identity)
        or (full_identifiers and not gate.full_identifiers)
    )
    if refused:
        raise Http404
    return gate
