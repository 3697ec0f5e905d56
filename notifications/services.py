"""In-app notifications written by the daily run: one digest a user a day, and escalations.

rules.md §2.3 (escalation ladder, step 1: "the due date passes: reminder to the worker") and
§4.4 (the 禁毒办 supervises): the responsible staff get a daily digest of what falls due within
3 days and what is overdue, of their own party's duties only (obligations.parties); an
obligation overdue longer than the region's ``escalate_head_days`` (default 3) is brought to the
head of the township's agency that does it (the work station, or the police station for a
release notice), and
longer than ``escalate_supervisor_days`` (default 7) to the township's 禁毒办. A 人社 or 民政
user's digest also counts the referrals waiting for their office, the same rows as their 我的待办
(`permissions.selectors.referrals_to_do`); a referral neither accepted nor declined for longer
than ``escalate_referral_days`` (default 7) is brought, once, to the head of the receiving office
and to the township's 禁毒办.

Everything is a set-based INSERT ... SELECT (plain SQL that PostgreSQL and SQLite both run):
the cost does not grow with a query per person. The unique constraints of `Notification`
with ON CONFLICT DO NOTHING make a second run on the same day write nothing.
"""

from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from casework import deadlines
from casework.models import Agency, Obligation, ObligationKind, Referral, Staff, TeamMember
from casework.selectors import settings_by_township
from notifications.models import Notification
from obligations.parties import duty_party_case
from permissions.selectors import referrals_to_do_by_user

DUE_WITHIN_DAYS = 3


def escalation_days() -> dict[int, tuple[int, int]]:
    """Return {township id: (head days, supervisor days)} for every township, in one query."""
    rows = settings_by_township(
        {
            "escalate_head_days": deadlines.DEFAULT_ESCALATE_HEAD_DAYS,
            "escalate_supervisor_days": deadlines.DEFAULT_ESCALATE_SUPERVISOR_DAYS,
        }
    )
    return {pk: (v["escalate_head_days"], v["escalate_supervisor_days"]) for pk, v in rows.items()}


def referral_escalation_days() -> dict[int, int]:
    """Return {township id: days a referral may wait unanswered} for every township, in one query."""
    rows = settings_by_township({"escalate_referral_days": deadlines.DEFAULT_ESCALATE_REFERRAL_DAYS})
    return {pk: v["escalate_referral_days"] for pk, v in rows.items()}


def _choice_case(column: str, choices) -> tuple[str, list]:
    """SQL CASE giving a choice's label in the current language."""
    whens, params = [], []
    for value, label in choices:
        whens.append("WHEN %s THEN %s")
        params += [value, str(label)]
    return f"CASE {column} {' '.join(whens)} ELSE {column} END", params


def _kind_case(column: str) -> tuple[str, list]:
    """SQL CASE giving an obligation kind's label in the current language."""
    return _choice_case(column, ObligationKind.choices)


def _date_label(column: str) -> tuple[str, list]:
    """SQL giving a date column as people read it ("2025年5月31日"), in plain SQL both databases
    run: the ISO text's parts, each cast to a number to drop the leading zero."""
    iso = f"CAST({column} AS TEXT)"
    parts = [
        f"CAST(CAST(substr({iso}, {start}, {length}) AS INTEGER) AS TEXT)"
        for start, length in ((1, 4), (6, 2), (9, 2))
    ]
    pattern = _("{y}年{m}月{d}日")
    return (
        f"replace(replace(replace(%s, '{{y}}', {parts[0]}), '{{m}}', {parts[1]}), '{{d}}', {parts[2]})",
        [pattern],
    )


def _digests(cursor, today: date) -> int:
    """One digest a user: counts of their episodes' items due within 3 days and overdue, and of
    the referrals waiting for their office.

    "Their" = an active help-team member with an account (casework.TeamMember) whose agency's
    party does the duty (obligations.parties.DUTY_PARTY), the same rule as "my tasks" (mine):
    the police are not reminded of the station's talks and tests. The referrals are the rows of
    `permissions.selectors.referrals_to_do_by_user`, the query behind the 待办转介 list of 我的待办,
    so the two numbers cannot drift apart. A user with no referral waiting reads the text they
    always did.
    """
    duties_only = _("每日待办：3天内到期 {due} 项，已逾期 {overdue} 项。请到“我的待办”办理。")
    with_referrals = _(
        "每日待办：3天内到期 {due} 项，已逾期 {overdue} 项，待办转介 {referrals} 项。请到“我的待办”办理。"
    )
    referrals_only = _("每日待办：待办转介 {referrals} 项。请到“我的待办”办理。")
    table = Notification._meta.db_table
    obligation = Obligation._meta.db_table
    member = TeamMember._meta.db_table
    staff = Staff._meta.db_table
    agency = Agency._meta.db_table
    party, party_params = duty_party_case("o.kind")
    referral_rows, referral_params = referrals_to_do_by_user().query.sql_with_params()
    referral_marker = "referral"
    cursor.execute(
        f"INSERT INTO {table} (user_id, kind, obligation_id, text, created_on, read_at) "
        "SELECT t.user_id, %s, NULL, "
        "replace(replace(replace("
        "  CASE WHEN t.referrals = 0 THEN %s WHEN t.due + t.overdue = 0 THEN %s ELSE %s END,"
        " '{due}', CAST(t.due AS TEXT)), '{overdue}', CAST(t.overdue AS TEXT)),"
        " '{referrals}', CAST(t.referrals AS TEXT)), "
        "%s, NULL FROM ("
        "  SELECT d.user_id,"
        "   SUM(CASE WHEN d.status = %s THEN 1 ELSE 0 END) AS due,"
        "   SUM(CASE WHEN d.status = %s THEN 1 ELSE 0 END) AS overdue,"
        "   SUM(CASE WHEN d.status = %s THEN 1 ELSE 0 END) AS referrals"
        "  FROM (SELECT DISTINCT tm.user_id, o.id, o.status"
        f"        FROM {obligation} o JOIN {member} tm ON tm.episode_id = o.episode_id"
        f"        JOIN {staff} st ON st.user_id = tm.user_id"
        f"        JOIN {agency} a ON a.id = st.agency_id AND a.kind = {party}"
        "        WHERE tm.user_id IS NOT NULL AND (tm.end_date IS NULL OR tm.end_date >= %s)"
        "          AND ((o.status = %s AND o.due_by >= %s AND o.due_by <= %s) OR o.status = %s)"
        "        UNION ALL"
        f"        SELECT r.receiver_id, r.referral_id, %s FROM ({referral_rows}) r"
        "  ) d GROUP BY d.user_id"
        ") t WHERE t.due + t.overdue + t.referrals > 0 "
        "ON CONFLICT DO NOTHING",
        [
            Notification.Kind.DIGEST,
            duties_only,
            referrals_only,
            with_referrals,
            today,
            Obligation.Status.PENDING,
            Obligation.Status.OVERDUE,
            referral_marker,
            *party_params,
            today,
            Obligation.Status.PENDING,
            today,
            today + timedelta(days=DUE_WITHIN_DAYS),
            Obligation.Status.OVERDUE,
            referral_marker,
            *referral_params,
        ],
    )
    return cursor.rowcount


def _escalations(cursor, today: date, days: dict[int, tuple[int, int]]) -> int:
    """One escalation a recipient an obligation overdue past the township's limit."""
    if not days:
        return 0
    table = Notification._meta.db_table
    obligation = Obligation._meta.db_table
    agency = Agency._meta.db_table
    staff = Staff._meta.db_table
    # (township, head limit, cutoff for the head, supervisor limit, cutoff for the supervisor):
    # overdue for more than N days <=> due_by < today - N.
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(days))
    value_params: list = []
    for township_id, (head, sup) in days.items():
        value_params += [township_id, head, today - timedelta(days=head), sup, today - timedelta(days=sup)]
    kind_label, kind_params = _kind_case("o.kind")
    due_label, due_params = _date_label("o.due_by")
    kind_params = [*kind_params, *due_params]
    inserted = 0
    levels = (
        # (agency kind, staff filter, limit column, cutoff column, message)
        (
            None,
            f"AND st.role = '{Staff.Role.HEAD}'",
            "s.column2",
            "s.column3",
            _("{kind}（截止 {due}）逾期已超过 {limit} 天，请单位负责人督促办理。"),
        ),
        (
            Agency.Kind.DRUG_CONTROL,
            "",
            "s.column4",
            "s.column5",
            _("{kind}（截止 {due}）逾期已超过 {limit} 天，请禁毒办督办。"),
        ),
    )
    party, party_params = duty_party_case("o.kind")
    for agency_kind, staff_filter, limit, cutoff, template in levels:
        # The head of the party that does the duty (DUTY_PARTY), or the 禁毒办 over every duty.
        agency_match, agency_params = (party, party_params) if agency_kind is None else ("%s", [agency_kind])
        cursor.execute(
            f"INSERT INTO {table} (user_id, kind, obligation_id, text, created_on, read_at) "
            "SELECT st.user_id, %s, o.id, "
            f"replace(replace(replace(%s, '{{kind}}', {kind_label}), '{{due}}', {due_label}),"
            f" '{{limit}}', CAST({limit} AS TEXT)), %s, NULL "
            f"FROM {obligation} o "
            f"JOIN (VALUES {values}) s ON s.column1 = o.township_id "
            f"JOIN {agency} a ON a.region_id = o.township_id AND a.kind = {agency_match} "
            f"JOIN {staff} st ON st.agency_id = a.id {staff_filter} "
            f"WHERE o.status = %s AND o.due_by < {cutoff} "
            "ON CONFLICT DO NOTHING",
            [
                Notification.Kind.ESCALATION,
                template,
                *kind_params,
                today,
                *value_params,
                *agency_params,
                Obligation.Status.OVERDUE,
            ],
        )
        inserted += cursor.rowcount
    return inserted


def _referral_escalations(cursor, today: date, days: dict[int, int]) -> int:
    """One escalation a recipient a referral left unanswered past the township's limit: the head
    of the receiving office, who answers for it, and the township's 禁毒办, which supervises
    (rules.md §4.4), as for an overdue duty."""
    if not days:
        return 0
    table = Notification._meta.db_table
    referral = Referral._meta.db_table
    agency = Agency._meta.db_table
    staff = Staff._meta.db_table
    # (township, limit, cutoff): unanswered for more than N days <=> referred_on < today - N.
    values = ", ".join(["(%s, %s, %s)"] * len(days))
    value_params: list = []
    for township_id, limit in days.items():
        value_params += [township_id, limit, today - timedelta(days=limit)]
    kind_label, kind_params = _choice_case("r.kind", Referral.Kind.choices)
    day_label, day_params = _date_label("r.referred_on")
    inserted = 0
    levels = (
        # (the recipients' agency, its parameters, which of its staff, message)
        (
            "a.id = r.agency_id",
            [],
            f"AND st.role = '{Staff.Role.HEAD}'",
            _("转介（{kind}，转介日期 {day}）已超过 {limit} 天未受理，请单位负责人督促办理。"),
        ),
        (
            "a.kind = %s",
            [Agency.Kind.DRUG_CONTROL],
            "",
            _("转介（{kind}，转介日期 {day}）已超过 {limit} 天未受理，请禁毒办督办。"),
        ),
    )
    for recipients, recipient_params, staff_filter, template in levels:
        cursor.execute(
            f"INSERT INTO {table} (user_id, kind, referral_id, text, created_on, read_at) "
            "SELECT st.user_id, %s, r.id, "
            f"replace(replace(replace(%s, '{{kind}}', {kind_label}), '{{day}}', {day_label}),"
            " '{limit}', CAST(s.column2 AS TEXT)), %s, NULL "
            f"FROM {referral} r "
            f"JOIN {agency} ra ON ra.id = r.agency_id "
            f"JOIN (VALUES {values}) s ON s.column1 = ra.region_id "
            f"JOIN {agency} a ON a.region_id = ra.region_id AND {recipients} "
            f"JOIN {staff} st ON st.agency_id = a.id {staff_filter} "
            "WHERE r.status = %s AND r.referred_on < s.column3 "
            "ON CONFLICT DO NOTHING",
            [
                Notification.Kind.ESCALATION,
                template,
                *kind_params,
                *day_params,
                today,
                *value_params,
                *recipient_params,
                Referral.Status.REFERRED,
            ],
        )
        inserted += cursor.rowcount
    return inserted


def notifications_send(today: date) -> tuple[int, int]:
    """Write today's digests and escalations; return (digests, escalations). Idempotent per day.

    Run after `obligations_scan(today)` (which marks the overdue ones).
    """
    days = escalation_days()
    referral_days = referral_escalation_days()
    with transaction.atomic(), connection.cursor() as cursor:
        digests = _digests(cursor, today)
        escalations = _escalations(cursor, today, days) + _referral_escalations(cursor, today, referral_days)
    return digests, escalations


def station_notify(township_id: int, text: str, *, kind: str, obligation: Obligation | None = None) -> int:
    """Send `text` to every active work-station user of the township, once (unique per kind and
    obligation, or per kind and day); return the number of messages written."""
    users = Staff.objects.filter(
        agency__kind=Agency.Kind.WORK_STATION, agency__region_id=township_id, user__is_active=True
    ).values_list("user_id", flat=True)
    return _write(users, text, kind=kind, obligation=obligation)


def drug_control_notify(region_id: int, text: str, *, kind: str) -> int:
    """Send `text` to every active user of the region's 禁毒办; return the number of messages written."""
    users = Staff.objects.filter(
        agency__kind=Agency.Kind.DRUG_CONTROL, agency__region_id=region_id, user__is_active=True
    ).values_list("user_id", flat=True)
    return _write(users, text, kind=kind)


def referral_arrived_notify(referral: Referral) -> int:
    """Tell every active user of the receiving 人社所 or 民政办 that a referral has arrived, once.

    The text names no person (a message list is read over shoulders); the link on the message
    opens the referral, which its agency may see.
    """
    users = Staff.objects.filter(agency_id=referral.agency_id, user__is_active=True).values_list(
        "user_id", flat=True
    )
    text = _("收到新的转介（%(kind)s），转介日期 %(day)s，请及时受理。") % {
        "kind": referral.get_kind_display(),
        "day": date_format(referral.referred_on, "DATE_FORMAT"),
    }
    return _write(users, text, kind=Notification.Kind.REFERRAL, referral=referral)


def _write(users, text: str, *, kind: str, obligation=None, referral=None) -> int:
    today = timezone.localdate()
    written = Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                kind=kind,
                obligation=obligation,
                referral=referral,
                text=text[:300],
                created_on=today,
            )
            for user_id in users
        ],
        ignore_conflicts=True,
    )
    return len(written)
