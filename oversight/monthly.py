"""The monthly report of a township: rates, timeliness, overdue summary, changes since last month.

An A4 PDF rendered from HTML + CSS by WeasyPrint (CJK from the system's Noto CJK fonts).
Generated for the month before on the 1st (Celery beat -> `monthly_reports_generate`) and
stored as a `MonthlyReport`. A supervisor asking for a month not stored yet starts one background
run (`monthly_report_request`, then the `monthly_report_make` task) and the page polls its status;
the PDF view serves the stored file when it is current, else renders the report on the spot.

Figures are read for a user through the one door (`permissions.selectors.visible_persons`); the
stored reports are read for a supervisor whose region covers the township, which sees every
person of the township, so any supervisor allowed to download it sees the same figures.

Overdue at a date D (the day after the month, or today for the month in progress) is
reconstructed from dates, not from today's statuses, so that last month's counts can be
compared with this month's: an item is overdue at D when it fell due before D and was not done
before D. Excused obligations are left out (the date of excusing is not kept).

Timeliness: the deadlines and duties that fell due in the month, done on time, done late (with
the days late, each named) or still open; the same counts as the 及时率 of the rates.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.deadlines import add_months
from casework.models import Agency, Certification, Episode, HandOver, Obligation, Region, Staff, Transfer
from oversight.audit import (
    CERTIFICATION_DAYS,
    KINDS,
    OBLIGATION_ITEM_KINDS,
    TIMELINESS_BUCKETS,
    timeliness_items,
)
from oversight.models import MonthlyReport
from oversight.rates import rates_for, region_persons

logger = logging.getLogger(__name__)

LISTED = 10  # the longest-overdue items named in the report
ORDER = ["unreported", *OBLIGATION_ITEM_KINDS, "handover", "certification"]


def month_last(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


def month_before(first: date) -> date:
    return add_months(first, -1)


def cutoff(first: date, today: date) -> date:
    """The date at which "overdue at the end of the month" is taken (today for the month in progress)."""
    return min(month_last(first) + timedelta(days=1), today)


def _sources(persons, day: date) -> dict[str, object]:
    """Querysets of the items overdue at `day`, by source, with the same columns (kind, person, due)."""
    columns = ("item_kind", "person_id", "person_name", "community_name", "due", "period_days", "day_count")
    no_period = {
        "period_days": Value(None, output_field=IntegerField()),
        "day_count": Value("", output_field=CharField()),
    }
    unreported = (
        Episode.objects.filter(person__in=persons, report_deadline__lt=day)
        .filter(Q(reported_on__isnull=True) | Q(reported_on__gte=day))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=day))
        .exclude(Exists(HandOver.objects.filter(episode=OuterRef("pk"), prepared_on__lt=day)))
        .annotate(
            item_kind=Value("unreported", output_field=CharField()),
            person_name=F("person__name"),
            community_name=F("community__name"),
            due=F("report_deadline"),
            period_days=F("report_period_days"),
            day_count=F("report_day_count"),
        )
    )
    obligations = (
        Obligation.objects.filter(person__in=persons, due_by__lt=day)
        .exclude(status=Obligation.Status.EXCUSED)
        .filter(Q(done_on__isnull=True) | Q(done_on__gte=day))
        .annotate(
            item_kind=Case(
                When(kind="handover", then=Value("handover_due")), default=F("kind"), output_field=CharField()
            ),
            person_name=F("person__name"),
            community_name=F("episode__community__name"),
            due=F("due_by"),
        )
    )
    handovers = (
        HandOver.objects.filter(episode__person__in=persons, prepared_on__lt=day)
        .filter(Q(received_on__isnull=True) | Q(received_on__gte=day))
        .annotate(
            item_kind=Value("handover", output_field=CharField()),
            person_id=F("episode__person_id"),
            person_name=F("episode__person__name"),
            community_name=F("episode__community__name"),
            due=F("prepared_on"),
            **no_period,
        )
    )
    certifications = (
        Certification.objects.filter(
            episode__person__in=persons, proposed_on__lt=day - timedelta(days=CERTIFICATION_DAYS)
        )
        .filter(Q(decided_on__isnull=True) | Q(decided_on__gte=day))
        .annotate(
            item_kind=Value("certification", output_field=CharField()),
            person_id=F("episode__person_id"),
            person_name=F("episode__person__name"),
            community_name=F("episode__community__name"),
            due=Cast(F("proposed_on") + timedelta(days=CERTIFICATION_DAYS), DateField()),
            **no_period,
        )
    )
    return {
        name: qs.values_list(*columns)
        for name, qs in (
            ("unreported", unreported),
            ("obligation", obligations),
            ("handover", handovers),
            ("certification", certifications),
        )
    }


def overdue_counts_at(persons, day: date) -> dict[str, int]:
    """Counts of overdue items at `day` by audit kind (the keys of oversight.KINDS): 4 queries."""
    counts = dict.fromkeys(ORDER, 0)
    sources = _sources(persons, day)
    for name, qs in sources.items():
        if name == "obligation":
            for kind, n in qs.order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"):
                counts["handover_due" if kind == "handover" else kind] += n
        else:
            counts[name] = qs.order_by().count()
    return counts


def longest_overdue_at(persons, day: date, limit: int = LISTED) -> list[dict]:
    """The `limit` items overdue longest at `day` (one UNION query)."""
    parts = [qs.order_by() for qs in _sources(persons, day).values()]
    rows = parts[0].union(*parts[1:], all=True).order_by("due", "person_id")[:limit]
    return [
        {
            "kind": kind,
            "kind_label": KINDS.get(kind, kind),
            "person_id": person_id,
            "person_name": name,
            "community": community,
            "due": due,
            "period_days": period_days,
            "day_count": day_count,
            "days": (day - due).days,
        }
        for kind, person_id, name, community, due, period_days, day_count in rows
    ]


@dataclass
class Change:
    key: str
    label: str
    this: int
    last: int

    @property
    def delta(self) -> int:
        return self.this - self.last


def changes(persons, township: Region, first: date, last_first: date) -> list[Change]:
    """New cases, closed, transfers in and out: this month against the month before (2 queries)."""
    this_range = (first, month_last(first))
    last_range = (last_first, month_last(last_first))
    episodes = Episode.objects.filter(person__in=persons).aggregate(
        new=Count("pk", filter=Q(decision_date__range=this_range)),
        new_last=Count("pk", filter=Q(decision_date__range=last_range)),
        closed=Count("pk", filter=Q(closed_on__range=this_range)),
        closed_last=Count("pk", filter=Q(closed_on__range=last_range)),
    )
    # Transfers are counted for the region itself (its own hand-shakes), persons or not now here;
    # for a county, only those across its boundary (a move between two of its townships stays in).
    accepted = [Transfer.Status.ACCEPTED, Transfer.Status.REPORTED]
    into = Q(to_township__path__startswith=township.path) & ~Q(from_township__path__startswith=township.path)
    out_of = Q(from_township__path__startswith=township.path) & ~Q(
        to_township__path__startswith=township.path
    )
    moves = Transfer.objects.filter(status__in=accepted).aggregate(
        t_in=Count("pk", filter=into & Q(decided_on__range=this_range)),
        t_in_last=Count("pk", filter=into & Q(decided_on__range=last_range)),
        t_out=Count("pk", filter=out_of & Q(decided_on__range=this_range)),
        t_out_last=Count("pk", filter=out_of & Q(decided_on__range=last_range)),
    )
    return [
        Change("new", _("新增（决定）人数"), episodes["new"], episodes["new_last"]),
        Change("closed", _("结束（解除、终止等）人数"), episodes["closed"], episodes["closed_last"]),
        Change("transfer_in", _("变更执行地转入"), moves["t_in"], moves["t_in_last"]),
        Change("transfer_out", _("变更执行地转出"), moves["t_out"], moves["t_out_last"]),
    ]


ROLL_UP_RATES = ("report", "agreement", "testing", "control", "help", "timeliness")


def township_rows(user, county: Region, first: date, today: date) -> list[dict]:
    """The county roll-up's table: each township's main rates and its overdue total at the cutoff
    (a query or two a township: a county has tens of townships, not thousands)."""
    end = min(month_last(first), today)
    day = cutoff(first, today)
    rows = []
    for township in Region.objects.filter(path__startswith=county.path, level=Region.Level.TOWNSHIP).order_by(
        "path"
    ):
        rates = rates_for(user, township, first, end).by_key()
        rows.append(
            {
                "township": township,
                "rates": [rates[key] for key in ROLL_UP_RATES],
                "overdue": sum(overdue_counts_at(region_persons(user, township), day).values()),
            }
        )
    return rows


def report_context(user, township: Region, first: date, today: date | None = None) -> dict:
    """Everything the report shows, read for `user` (a supervisor whose region covers the township).

    `township` may be a county: the report is then the county roll-up, the same sections over all
    its townships plus a table of each township's main rates and overdue total.

    The rates are `rates.rates_for` (the nightly figures when they hold the month, as on the rates
    page); only the overdue counts at a date and the month's changes are computed here.
    """
    today = today or timezone.localdate()
    last_first = month_before(first)
    persons = region_persons(user, township)  # the same persons the rates count
    sheet = rates_for(user, township, first, min(month_last(first), today))
    before = rates_for(user, township, last_first, month_last(last_first)).by_key()
    day = cutoff(first, today)
    now_counts = overdue_counts_at(persons, day)
    last_counts = overdue_counts_at(persons, cutoff(last_first, today))
    overdue = [
        {
            "kind": k,
            "label": KINDS[k],
            "this": now_counts[k],
            "last": last_counts[k],
            "delta": now_counts[k] - last_counts[k],
        }
        for k in ORDER
        if now_counts[k] or last_counts[k]
    ]
    roll_up = township.level == Region.Level.COUNTY
    return {
        "township": township,
        "roll_up": roll_up,
        "townships": township_rows(user, township, first, today) if roll_up else [],
        "roll_up_rates": [sheet.by_key()[key] for key in ROLL_UP_RATES],
        "county": None if roll_up else Region.objects.get_parent(township),
        "first": first,
        "last_day": month_last(first),
        "cutoff": day,
        "previous": last_first,
        "sheet": sheet,
        "rates": [(r, before.get(r.key)) for r in sheet.rates],
        "overdue": overdue,
        "overdue_total": sum(now_counts.values()),
        "overdue_total_last": sum(last_counts.values()),
        "changes": changes(persons, township, first, last_first),
        "listed": longest_overdue_at(persons, day),
        # Every deadline and duty that fell due in the month, as the rates count it (及时率).
        "timeliness": [(key, label, sheet.timeliness[key]) for key, label in TIMELINESS_BUCKETS.items()],
        "timeliness_due": sheet.timeliness["due"],
        "late_listed": timeliness_items(persons, first, month_last(first), today, "late", LISTED),
        "certification_days": CERTIFICATION_DAYS,
        "generated_at": timezone.localtime(),
    }


def render_pdf(context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string("oversight/monthly_report_pdf.html", context)
    return HTML(string=html).write_pdf()


def covering_supervisor(township: Region):
    """The user the stored report is read for: a 禁毒办 staff member of the township, else of the
    nearest region above it (their view covers every person of the township)."""
    staff = (
        Staff.objects.filter(
            agency__kind=Agency.Kind.DRUG_CONTROL, agency__region__path__in=Region.paths_above(township.path)
        )
        .select_related("user")
        .order_by("-agency__region__depth", "pk")
        .first()
    )
    return staff.user if staff else None


def monthly_report_store(township: Region, first: date, today: date | None = None) -> MonthlyReport | None:
    """Render and store (or replace) the township's report for the month starting `first`."""
    user = covering_supervisor(township)
    if user is None:
        return None
    context = report_context(user, township, first, today)
    pdf = render_pdf(context)
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().filter(township=township, month=first).first()
        if report is None:
            report = MonthlyReport(township=township, month=first)
        old = report.file.name if report.file else ""
        report.person_ids = sorted(
            {row["person_id"] for row in (*context["listed"], *context["late_listed"])}
        )
        report.file.save(f"{township.code}-{first:%Y-%m}.pdf", ContentFile(pdf), save=False)
        report.status = MonthlyReport.Status.DONE
        report.error = ""
        report.made_at = timezone.now()
        report.save()
        # The replaced file goes only once the new row is committed (a failed save keeps the old one).
        if old:
            storage = report.file.storage
            transaction.on_commit(lambda: storage.delete(old))
    return report


def monthly_reports_generate(today: date) -> int:
    """Store last month's report of every township (run on the 1st); return how many were stored."""
    first = month_before(today.replace(day=1))
    stored = 0
    for township in Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("path"):
        if monthly_report_store(township, first, today) is not None:
            stored += 1
    return stored


# A background run still "making" after this long is taken for dead (a worker stopped mid-way):
# the next request starts another instead of waiting for ever.
MAKING_TIMEOUT = timedelta(minutes=10)


def report_current(report: MonthlyReport, today: date) -> bool:
    """Whether the stored file is the month's report: made after the month ended, or made today
    (a report of the month in progress is out of date the next day)."""
    if report.status != MonthlyReport.Status.DONE or not report.file:
        return False
    made = timezone.localdate(report.made_at or report.created_at)
    return made > month_last(report.month) or made == today


def monthly_report_request(*, actor, township: Region, month: date) -> tuple[MonthlyReport, bool]:
    """Return the township's (or county's) report row for `month` and whether the caller is to start
    its background run (the row is then "making"): a current stored report, or one already being
    made, starts nothing.

    `actor` must be 禁毒办 staff over the region and `month` a month begun; else nothing changes."""
    today = timezone.localdate()
    if month.day != 1 or month > today:
        raise ValidationError(_("不能选择未来的月份。"))
    if not Staff.objects.filter(
        user=actor,
        agency__kind=Agency.Kind.DRUG_CONTROL,
        agency__region__path__in=Region.paths_above(township.path),
    ).exists():
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        # The row lock makes two requests for the same report wait for each other: one starts it.
        report, created = MonthlyReport.objects.select_for_update().get_or_create(
            township=township,
            month=month,
            defaults={"status": MonthlyReport.Status.MAKING, "started_at": now},
        )
        if not created:
            if report_current(report, today):
                return report, False
            if (
                report.status == MonthlyReport.Status.MAKING
                and report.started_at
                and now - report.started_at < MAKING_TIMEOUT
            ):
                return report, False
            report.status = MonthlyReport.Status.MAKING
            report.started_at = now
            report.error = ""
            report.save(update_fields=["status", "started_at", "error"])
    return report, True


def monthly_report_make(report_id: int) -> MonthlyReport | None:
    """The background run: make and store the report of a row left "making"; mark it failed (with
    the cause, for the admin) when that cannot be done. A row no longer making is left alone."""
    report = (
        MonthlyReport.objects.select_related("township")
        .filter(pk=report_id, status=MonthlyReport.Status.MAKING)
        .first()
    )
    if report is None:
        return None
    try:
        stored = monthly_report_store(report.township, report.month)
        error = "" if stored is not None else str(_("本地区及上级地区没有禁毒办工作人员。"))
    except Exception as exc:  # the row must not stay "making": the page would poll for ever
        logger.exception("monthly report %s failed", report_id)
        stored, error = None, f"{type(exc).__name__}: {exc}"
    if stored is None:
        MonthlyReport.objects.filter(pk=report_id).update(
            status=MonthlyReport.Status.FAILED, error=error[:300]
        )
        report.refresh_from_db()
        return report
    return stored
