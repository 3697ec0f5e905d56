"""What each kind of timeline line and of duty reveals: the record type a reader must hold.

Every list that shows case events or obligations filters through these maps, as an allow-list:
a kind missing from a map is shown to no one, and `casework.services.event_record` refuses a
kind that `CaseEvent.Kind` does not know. `FILE` marks what anyone who may open the person's
file reads (its state, its dates, its team), the same lines the status badge already tells.
"""

from casework.models import CaseEvent, ObligationKind

from .models import RecordType

FILE = "file"

K = CaseEvent.Kind

EVENT_RECORD_TYPE: dict[str, str] = {
    K.PERSON_CREATED: FILE,
    K.PERSON_UPDATED: FILE,  # names the changed fields, never their values
    K.DECISION_REGISTERED: FILE,
    K.REGISTERED: FILE,
    K.REPORTED: FILE,
    K.STATUS_CHANGED: FILE,
    K.DEADLINE_EXTENDED: FILE,
    K.REFUSAL_CONFIRMED: FILE,
    K.AGREEMENT: FILE,
    K.PLAN: FILE,
    K.TEAM: FILE,
    # Lists the duties opened with their kinds and dates: drug tests among them.
    K.SCHEDULE: RecordType.DRUGTEST,
    K.SCHEDULE_SHORT: RecordType.DRUGTEST,
    # Carries the work station's free-text reason about one of its own duties.
    K.OBLIGATION_EXCUSED: RecordType.TALK,
    K.OBLIGATIONS_CLOSED: FILE,  # counts only
    K.DRUG_TEST: RecordType.DRUGTEST,
    K.FOLLOW_UP: RecordType.DRUGTEST,
    K.TALK: RecordType.TALK,
    # Name the record and carry the free-text reason: readers of that record type only.
    K.DRUG_TEST_CORRECTED: RecordType.DRUGTEST,
    K.DRUG_TEST_VOIDED: RecordType.DRUGTEST,
    K.TALK_CORRECTED: RecordType.TALK,
    K.TALK_VOIDED: RecordType.TALK,
    K.ABSENCE_REPORTED: RecordType.ABSENCE,
    K.ABSENCE_AWAY: RecordType.ABSENCE,
    K.ABSENCE_DECIDED: RecordType.ABSENCE,
    K.ABSENCE_EXTENDED: RecordType.ABSENCE,
    K.ABSENCE_RETURNED: RecordType.ABSENCE,
    K.ABSENCE_UNREPORTED: RecordType.ABSENCE,
    K.BREACH_CONFIRMED: RecordType.VIOLATION,
    K.SERIOUS_BREACH: RecordType.VIOLATION,
    K.UNAUTHORISED_EXIT: RecordType.VIOLATION,
    K.HANDOVER_DUE: RecordType.VIOLATION,
    K.HANDOVER: RecordType.VIOLATION,
    K.POLICE_CONTINUE: RecordType.VIOLATION,
    K.RELAPSE_AFTER_COMPLETION: RecordType.VIOLATION,
    K.TRANSFER_ACCEPTED: FILE,
    K.TRANSFER_REPORTED: FILE,
    K.SUSPENSION_START: FILE,
    K.SUSPENSION_END: FILE,
    K.EPISODE_CLOSED: FILE,
    K.COMPLETION_PREP: FILE,
    K.CLOSING_FILE: FILE,
    K.CERTIFICATION_PROPOSED: FILE,
    K.CERTIFICATION_APPROVED: FILE,
    K.CERTIFICATION_RETURNED: FILE,
    # The referral lines are written to name neither the agency, the help nor an amount.
    K.REFERRAL: FILE,
    K.REFERRAL_ACCEPTED: FILE,
    K.REFERRAL_DECLINED: FILE,
    K.REFERRAL_OUTCOME: FILE,
    K.REFERRAL_CLOSED: FILE,
}

OBLIGATION_RECORD_TYPE: dict[str, str] = {
    ObligationKind.DRUG_TEST: RecordType.DRUGTEST,
    ObligationKind.TALK: RecordType.TALK,
    ObligationKind.HOME_VISIT: RecordType.TALK,
    ObligationKind.HANDOVER: RecordType.VIOLATION,
    ObligationKind.ABSENCE_BACK: RecordType.ABSENCE,
    ObligationKind.TRANSFER_IN: FILE,
    ObligationKind.CLOSING_FILE: FILE,
    ObligationKind.RELEASE: FILE,
}


def kinds_readable(mapping: dict[str, str], record_types) -> list[str]:
    """Return the kinds of `mapping` a reader holding `record_types` may see (FILE always)."""
    allowed = {FILE, *record_types}
    return sorted(kind for kind, record_type in mapping.items() if record_type in allowed)


def kinds_of_type(mapping: dict[str, str], record_type: str) -> list[str]:
    return sorted(kind for kind, rt in mapping.items() if rt == record_type)
