"""Who does each duty: the one table of the party (agency kind) that carries out an obligation.

rules.md §4.3 (what each party does): the work station and its social workers carry out the
measures day to day (戒毒条例 arts 15-16, 21; 重庆 S10 art 34 "help the police with testing"):
talks, home visits and the tests they arrange, the hand-over package, the return from an
absence, reporting at a new place (art 22) and sending the file before the term ends (arts 23,
40). The police issue the release notice (解除通知书, 戒毒条例 art 23). 人社 and 民政 carry out
referrals (禁毒法 art 34 para 2; 戒毒条例 art 4), which are their own work items, not duties of
the schedule.

My tasks, the daily digest and the first rung of the escalation read this table: a party is
shown and reminded of its own duties only; the rest of a person's duties are information in
the person's file.
"""

from casework.models import Agency, ObligationKind

DUTY_PARTY: dict[str, str] = {
    ObligationKind.DRUG_TEST: Agency.Kind.WORK_STATION,
    ObligationKind.TALK: Agency.Kind.WORK_STATION,
    ObligationKind.HOME_VISIT: Agency.Kind.WORK_STATION,
    ObligationKind.HANDOVER: Agency.Kind.WORK_STATION,
    ObligationKind.ABSENCE_BACK: Agency.Kind.WORK_STATION,
    ObligationKind.TRANSFER_IN: Agency.Kind.WORK_STATION,
    ObligationKind.CLOSING_FILE: Agency.Kind.WORK_STATION,
    ObligationKind.RELEASE: Agency.Kind.POLICE,
}


def duty_kinds_of(agency_kind: str | None) -> list[str]:
    """Return the obligation kinds the party of `agency_kind` carries out (none for others)."""
    return [kind for kind, party in DUTY_PARTY.items() if party == agency_kind]


def duty_party_case(column: str) -> tuple[str, list]:
    """SQL CASE giving the agency kind that does the obligation kind in `column`."""
    whens, params = [], []
    for kind, party in DUTY_PARTY.items():
        whens.append("WHEN %s THEN %s")
        params += [str(kind), str(party)]
    return f"CASE {column} {' '.join(whens)} END", params
