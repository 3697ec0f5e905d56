"""Recurring duties: open the first obligations, record what fulfils them, scan for overdue ones."""

import time
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.errors import RecordRefused
from casework.locks import episode_lock
from casework.models import DrugTest, Episode, Obligation, ObligationKind, Talk
from casework.services import event_record
from obligations.models import Reminder, ScanRun
from obligations.schedule import intervals_for, next_due, programme_year, schedule_shortfall, term_bounds


def _open_next(
    episode: Episode, kind: str, after: date, sequence: int, intervals: dict[int, int]
) -> Obligation | None:
    start, end = term_bounds(episode)
    due = next_due(start, end, after, intervals)
    if due is None:
        return None
    return Obligation.objects.create(
        episode=episode,
        person_id=episode.person_id,
        kind=kind,
        sequence=sequence,
        programme_year=programme_year(start, due),
        due_from=min(after + timedelta(days=1), due),
        due_by=due,
        township_id=episode.township_id,
    )


def obligations_open_first(episode: Episode) -> list[Obligation]:
    """Open the first obligation of each kind the schedule table names, from the start of execution."""
    created = []
    for kind, intervals in intervals_for(episode.township, episode.kind, episode.term_months).items():
        obligation = _open_next(episode, kind, episode.start_date, 1, intervals)
        if obligation:
            created.append(obligation)
    return created


def schedule_short_record(episode: Episode) -> str | None:
    """Check the whole drug-test plan against the order's minimum (rules.md §2.1).

    Where the region's table cannot reach it, the person's timeline says so and the text is
    returned for the work station's messages, so that it adds tests or asks for the table to
    be corrected; None when the plan meets the minimum.
    """
    shortfall = schedule_shortfall(episode.township, episode.kind, episode.term_months, episode.start_date)
    if shortfall is None:
        return None
    text = _(
        "%(name)s：本地频次表为%(term)d个月期的%(kind)s只安排%(planned)d次检测，"
        "少于规定的至少%(minimum)d次，请增加检测或调整频次表。"
    ) % {
        "name": episode.person.name,
        "term": shortfall.term_months,
        "kind": episode.get_kind_display(),
        "planned": shortfall.planned,
        "minimum": shortfall.minimum,
    }
    event_record(
        person=episode.person,
        episode=episode,
        actor=None,
        kind="schedule_short",
        message=text,
        planned=shortfall.planned,
        minimum=shortfall.minimum,
    )
    return text


def _close_and_schedule(obligation: Obligation, done_on: date) -> Obligation | None:
    obligation.status = Obligation.Status.DONE
    obligation.done_on = done_on
    obligation.save(update_fields=["status", "done_on"])
    episode = obligation.episode
    intervals = intervals_for(episode.township, episode.kind, episode.term_months).get(obligation.kind, {})
    return _open_next(episode, obligation.kind, done_on, obligation.sequence + 1, intervals)


def _lock_open_obligation(episode: Episode, kind: str, obligation_id: int | None) -> Obligation | None:
    """Return the open obligation this record fulfils (locked), or None for an ad-hoc record."""
    qs = (
        Obligation.objects.select_for_update()
        .select_related("episode__township")
        .filter(episode=episode, kind=kind)
    )
    if obligation_id is not None:
        obligation = qs.filter(pk=obligation_id).first()
        if obligation is None or obligation.status not in Obligation.OPEN_STATUSES:
            raise RecordRefused(_("该事项已完成或已免除，不能重复登记。"))
        return obligation
    return qs.filter(status__in=Obligation.OPEN_STATUSES).first()


def _check_date(episode: Episode, day: date) -> None:
    if day > timezone.localdate():
        raise RecordRefused(_("日期不能晚于今天。"))
    if episode.start_date is None or day < episode.start_date:
        raise RecordRefused(_("日期不能早于执行起始日期（报到日）。"))


@transaction.atomic
def drug_test_save(
    *, actor, episode: Episode, obligation_id: int | None = None, ad_hoc: bool = False, **fields
) -> DrugTest:
    """Save a drug test; a scheduled one closes its obligation and opens the next from the real date."""
    episode = episode_lock(episode.pk)
    _check_date(episode, fields["tested_on"])
    if fields["result"] == DrugTest.Result.POSITIVE and not fields.get("substances"):
        raise RecordRefused(_("阳性结果须填写检出物质。"))
    obligation = None if ad_hoc else _lock_open_obligation(episode, ObligationKind.DRUG_TEST, obligation_id)
    # A refused/evaded test keeps its obligation open and linked (one test per obligation):
    # the retest that fulfils it is saved unlinked and still closes it.
    retest = obligation is not None and DrugTest.objects.filter(obligation=obligation).exists()
    test = DrugTest(
        episode=episode,
        person=episode.person,
        obligation=None if retest else obligation,
        ad_hoc=ad_hoc or obligation is None,
        recorded_by=actor,
        **fields,
    )
    test.full_clean()
    test.save()
    if obligation is not None and fields["result"] not in (DrugTest.Result.REFUSED, DrugTest.Result.EVADED):
        _close_and_schedule(obligation, test.tested_on)
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind="drug_test",
        happened_on=test.tested_on,
        message=f"吸毒检测（{test.get_sample_type_display()}）：{test.get_result_display()}",
    )
    return test


@transaction.atomic
def talk_record(*, actor, episode: Episode, obligation_id: int | None = None, **fields) -> Talk:
    """Save a talk or visit; it closes the open obligation of its kind and opens the next."""
    episode = episode_lock(episode.pk)
    _check_date(episode, fields["held_on"])
    kind = ObligationKind.HOME_VISIT if fields.get("kind") == Talk.Kind.HOME_VISIT else ObligationKind.TALK
    obligation = _lock_open_obligation(episode, kind, obligation_id)
    if obligation is None and kind == ObligationKind.HOME_VISIT:
        obligation = _lock_open_obligation(episode, ObligationKind.TALK, None)
    talk = Talk(episode=episode, person=episode.person, obligation=obligation, staff=actor, **fields)
    talk.full_clean()
    talk.save()
    if obligation is not None:
        _close_and_schedule(obligation, talk.held_on)
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind="talk",
        happened_on=talk.held_on,
        message=f"{talk.get_kind_display()}记录",
    )
    return talk


@transaction.atomic
def obligation_excuse(*, actor, obligation: Obligation, reason: str) -> Obligation:
    """Excuse an open obligation with a reason and an approver; the next one is scheduled from today."""
    obligation = (
        Obligation.objects.select_for_update()
        .select_related("episode__township", "person")
        .get(pk=obligation.pk)
    )
    if obligation.status not in Obligation.OPEN_STATUSES:
        raise RecordRefused(_("该事项已完成或已免除，不能重复登记。"))
    _close_and_schedule(obligation, timezone.localdate())
    obligation.status = Obligation.Status.EXCUSED
    obligation.done_on = None
    obligation.excused_reason = reason
    obligation.excused_by = actor
    obligation.save(update_fields=["status", "done_on", "excused_reason", "excused_by"])
    event_record(
        person=obligation.person,
        episode=obligation.episode,
        actor=actor,
        kind="obligation_excused",
        message=f"免除{obligation.get_kind_display()}：{reason}",
    )
    return obligation


def obligations_scan(as_of: date, county=None) -> tuple[int, int]:
    """Mark pending obligations past their due date overdue and open reminders; return (marked, reminders).

    Set-based and idempotent: one INSERT ... SELECT for the reminders, then one UPDATE. It reads
    only the rows that could change: pending ones past their due date (the status/due index) and
    overdue ones written since the last run without passing through the scan (ids above the last
    run's mark). A rerun that changes nothing reads two empty index ranges. On PostgreSQL the
    obligation table is held in SHARE mode for the few seconds of the run, so no insert can commit
    below the mark after it is read; writers wait, readers do not.

    With `county` (a Region of level county), only the obligations executed in its townships
    (the obligation's township, the episode's) are read and marked, by the same rules; the whole
    scan is every county's scan. County runs lock in SHARE ROW EXCLUSIVE mode instead, which
    admits one at a time: two runs each holding SHARE would deadlock at their UPDATEs.
    """
    started = time.perf_counter()
    reminder_table = Reminder._meta.db_table
    obligation_table = Obligation._meta.db_table
    pending, overdue = Obligation.Status.PENDING, Obligation.Status.OVERDUE
    scope_sql, scope_params = "", []
    obligations = Obligation.objects.all()
    runs = ScanRun.objects.filter(county__isnull=True)
    if county is not None:
        townships = list(
            type(county).objects.filter(path__startswith=county.path).values_list("pk", flat=True)
        ) or [0]
        scope_sql = f" AND o.township_id IN ({', '.join(['%s'] * len(townships))})"
        scope_params = townships
        obligations = obligations.filter(township_id__in=townships)
        runs = ScanRun.objects.filter(Q(county__isnull=True) | Q(county=county))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            mode = "SHARE" if county is None else "SHARE ROW EXCLUSIVE"
            cursor.execute(f"LOCK TABLE {obligation_table} IN {mode} MODE")
        mark = runs.order_by("-last_obligation_id").values_list("last_obligation_id", flat=True).first() or 0
        if county is None:
            mark = runs.order_by("-pk").values_list("last_obligation_id", flat=True).first() or 0
        newest = obligations.aggregate(newest=Max("pk"))["newest"] or 0
        # The pending rows about to be marked, and overdue rows that arrived since the last run.
        cursor.execute(
            f"INSERT INTO {reminder_table} (obligation_id, kind, created_on) "
            f"SELECT o.id, %s, %s FROM {obligation_table} o WHERE o.status = %s AND o.due_by < %s{scope_sql} "
            "UNION ALL "
            f"SELECT o.id, %s, %s FROM {obligation_table} o WHERE o.status = %s AND o.id > %s{scope_sql} "
            "ON CONFLICT DO NOTHING",
            [
                Reminder.Kind.OVERDUE,
                as_of,
                pending,
                as_of,
                *scope_params,
                Reminder.Kind.OVERDUE,
                as_of,
                overdue,
                mark,
                *scope_params,
            ],
        )
        reminders = cursor.rowcount
        marked = obligations.filter(status=pending, due_by__lt=as_of).update(status=overdue)
        # A run that changed nothing and saw no new obligation leaves no row: rerunning the scan
        # on the same day changes nothing at all.
        if marked or reminders or newest > mark:
            ScanRun.objects.create(
                as_of=as_of,
                marked=marked,
                reminders=reminders,
                last_obligation_id=max(newest, mark),
                county=county,
                seconds=round(time.perf_counter() - started, 3),
            )
    return marked, reminders


def obligations_reschedule(*, region=None, episode_kind: str | None = None) -> int:
    """Recompute the due dates of open obligations after the schedule table changed.

    Only open (pending or overdue) obligations move; done, excused and missed ones are
    history and stay as they were. Each open obligation is re-dated from the last done
    one of its kind (or the start of execution), with the intervals now in force.
    """
    from casework.models import Region
    from obligations.schedule import intervals_for

    last_done = (
        Obligation.objects.filter(episode=OuterRef("episode"), kind=OuterRef("kind"), done_on__isnull=False)
        .order_by("-sequence")
        .values("done_on")[:1]
    )
    open_qs = (
        Obligation.objects.filter(status__in=Obligation.OPEN_STATUSES)
        .select_related("episode")
        .annotate(last_done=Subquery(last_done))
    )
    if episode_kind:
        open_qs = open_qs.filter(episode__kind=episode_kind)
    if region is not None:
        open_qs = open_qs.filter(township__path__startswith=region.path)
    townships = {r.pk: r for r in Region.objects.filter(level=Region.Level.TOWNSHIP)}
    cache: dict[tuple[int, str, int], dict] = {}
    changed = []
    for obligation in open_qs.order_by("pk").iterator(chunk_size=2000):
        episode = obligation.episode
        key = (episode.township_id, episode.kind, episode.term_months)
        if key not in cache:
            cache[key] = intervals_for(townships[episode.township_id], episode.kind, episode.term_months)
        intervals = cache[key].get(obligation.kind)
        start, end = term_bounds(episode)
        after = obligation.last_done or start
        due = next_due(start, end, after, intervals or {})
        if due is None or due == obligation.due_by:
            continue
        obligation.due_by = due
        obligation.due_from = min(after + timedelta(days=1), due)
        obligation.programme_year = programme_year(start, due)
        if obligation.status == Obligation.Status.OVERDUE and due >= timezone.localdate():
            obligation.status = Obligation.Status.PENDING
        changed.append(obligation)
    Obligation.objects.bulk_update(
        changed, ["due_by", "due_from", "programme_year", "status"], batch_size=2000
    )
    return len(changed)


# --- correcting and voiding a saved test or talk -------------------------------------------

# The results that started a follow-up (a hand-over for relapse, the refusal steps): such a
# test is undone through those steps, not here.
FOLLOWED_UP = (DrugTest.Result.POSITIVE, DrugTest.Result.REFUSED, DrugTest.Result.EVADED)
MIN_REASON = 4


def _record_kind(record) -> tuple[str, str, str]:
    """(date field, corrected event kind, voided event kind) of a test or a talk."""
    if isinstance(record, DrugTest):
        return "tested_on", "drug_test_corrected", "drug_test_voided"
    return "held_on", "talk_corrected", "talk_voided"


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise RecordRefused(_("请写明理由（至少%(n)d个字）。") % {"n": MIN_REASON})
    return reason


def _locked_record(record):
    """Lock the episode, then the record (casework.locks order); refuse a record already voided."""
    episode = episode_lock(record.episode_id)
    fresh = type(record).all_records.select_for_update().get(pk=record.pk)
    if fresh.voided_on is not None:
        raise RecordRefused(_("该记录已作废。"))
    return episode, fresh


def _next_of(obligation: Obligation) -> Obligation | None:
    return (
        Obligation.objects.select_for_update()
        .filter(episode_id=obligation.episode_id, kind=obligation.kind, sequence=obligation.sequence + 1)
        .first()
    )


def _untouched_or_refuse(following: Obligation | None) -> None:
    """The duty opened from this record may be moved or withdrawn only while nothing fulfils it."""
    if following is not None and following.status not in Obligation.OPEN_STATUSES:
        raise RecordRefused(_("其后的同类事项已经办理，不能更改或作废这一条；请先处理之后的记录。"))
    if following is not None and (
        DrugTest.all_records.filter(obligation=following).exists()
        or Talk.all_records.filter(obligation=following).exists()
    ):
        raise RecordRefused(_("其后的同类事项已有记录，不能更改或作废这一条；请先处理之后的记录。"))


def _open_status(due_by: date) -> str:
    return Obligation.Status.OVERDUE if due_by < timezone.localdate() else Obligation.Status.PENDING


@transaction.atomic
def record_correct(*, actor, record, on: date, reason: str):
    """Correct the date of a saved test or talk, with a reason kept on the timeline.

    When the record fulfilled a duty, that duty's done date moves with it and the next duty of
    the kind, opened from the old date, is rescheduled from the new one (rules.md §2.1: the next
    due date is the last date plus the interval). A date before the previous record of the kind,
    in the future, before the start of execution, or behind a next duty already done breaks the
    schedule: refused, nothing changed.
    """
    reason = _check_reason(reason)
    episode, record = _locked_record(record)
    field, corrected, _voided = _record_kind(record)
    old = getattr(record, field)
    if on == old:
        raise RecordRefused(_("新日期与原日期相同，无需更正。"))
    _check_date(episode, on)
    obligation = (
        Obligation.objects.select_for_update().filter(pk=record.obligation_id).first()
        if record.obligation_id
        else None
    )
    if obligation is not None and obligation.status == Obligation.Status.DONE:
        previous = Obligation.objects.filter(
            episode=episode, kind=obligation.kind, sequence=obligation.sequence - 1
        ).first()
        if previous is not None and previous.done_on and on < previous.done_on:
            raise RecordRefused(
                _("新日期早于上一次同类事项的完成日期（%(day)s），会打乱检测和谈话的频次，未保存。")
                % {"day": f"{previous.done_on:%Y-%m-%d}"}
            )
        following = _next_of(obligation)
        _untouched_or_refuse(following)
        obligation.done_on = on
        obligation.save(update_fields=["done_on"])
        if following is not None:
            intervals = intervals_for(episode.township, episode.kind, episode.term_months).get(
                obligation.kind, {}
            )
            start, end = term_bounds(episode)
            due = next_due(start, end, on, intervals)
            if due is None:
                following.delete()
            else:
                following.due_by = due
                following.due_from = min(on + timedelta(days=1), due)
                following.programme_year = programme_year(start, due)
                following.status = _open_status(due)
                following.save(update_fields=["due_by", "due_from", "programme_year", "status"])
    setattr(record, field, on)
    record.save(update_fields=[field])
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind=corrected,
        happened_on=on,
        message=_("更正%(what)s日期：%(old)s 改为 %(new)s。理由：%(reason)s")
        % {
            "what": record._meta.verbose_name,
            "old": f"{old:%Y-%m-%d}",
            "new": f"{on:%Y-%m-%d}",
            "reason": reason,
        },
        record_id=record.pk,
        old=old.isoformat(),
        new=on.isoformat(),
    )
    return record


@transaction.atomic
def record_void(*, actor, record, reason: str):
    """Void a saved test or talk with a reason: the row stays (with who and why) but counts
    nowhere; the duty it fulfilled opens again and the next duty opened from it is withdrawn.

    A test whose result started a follow-up (positive, refused, evaded) is refused here: the
    hand-over or refusal steps it opened decide about it.
    """
    reason = _check_reason(reason)
    episode, record = _locked_record(record)
    field, _corrected, voided = _record_kind(record)
    if isinstance(record, DrugTest) and record.result in FOLLOWED_UP:
        raise RecordRefused(_("阳性、拒绝或逃避检测的记录已启动后续处置，不能在此作废；请按处置流程办理。"))
    obligation = (
        Obligation.objects.select_for_update().filter(pk=record.obligation_id).first()
        if record.obligation_id
        else None
    )
    if obligation is not None and obligation.status == Obligation.Status.DONE:
        following = _next_of(obligation)
        _untouched_or_refuse(following)
        if following is not None:
            following.delete()  # the one-open-per-kind constraint: withdrawn before reopening
        obligation.status = _open_status(obligation.due_by)
        obligation.done_on = None
        obligation.save(update_fields=["status", "done_on"])
    record.obligation = None
    record.voided_on = timezone.localdate()
    record.voided_by = actor
    record.void_reason = reason
    record.save(update_fields=["obligation", "voided_on", "voided_by", "void_reason"])
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind=voided,
        message=_("作废%(day)s的%(what)s。理由：%(reason)s")
        % {"day": f"{getattr(record, field):%Y-%m-%d}", "what": record._meta.verbose_name, "reason": reason},
        record_id=record.pk,
    )
    return record
