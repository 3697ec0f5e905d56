"""Referrals to 人社 (training, job guidance, employment aid) and 民政 (social assistance).

禁毒法 art 34 para 2: the township and the county labour department provide vocational
training, job guidance and employment assistance to people in detox who need it; 戒毒条例
arts 18(3) and 39: training, job guidance and help with jobs and medical care; 民政 supports
with social assistance (戒毒条例 art 4; rules.md §3.2-3.3).

The work station refers (needs, skills) to the 人社所 or 民政办 of the episode's township. While
the referral is open the target agency holds grants on the person (permissions.services.
desired_grants); it accepts or declines with a reason, records outcomes and closes the referral,
after which it keeps no grant. The employer of a placement is confidential: only the work
station and 人社 see it (rules.md §7; 禁毒法 art 52 non-discrimination). The timeline, which
every party that sees the person reads, names neither the agency, the kind of help, the
employer nor an amount: those stay with the readers of the record type.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.errors import RecordRefused
from casework.locks import episode_lock
from casework.models import Agency, Episode, Referral, ReferralOutcome
from casework.services import event_record
from notifications.services import referral_arrived_notify
from permissions import selectors
from permissions.models import Party, RecordType
from permissions.services import AGENCY_PARTY, sync_person_grants

TARGET_KIND = {
    Referral.Kind.EMPLOYMENT: Agency.Kind.HUMAN_RESOURCES,
    Referral.Kind.ASSISTANCE: Agency.Kind.CIVIL_AFFAIRS,
}
RECORD_TYPE = {Referral.Kind.EMPLOYMENT: RecordType.TRAINING, Referral.Kind.ASSISTANCE: RecordType.ASSISTANCE}
OUTCOME_KINDS = {
    Referral.Kind.EMPLOYMENT: ReferralOutcome.EMPLOYMENT_KINDS,
    Referral.Kind.ASSISTANCE: ReferralOutcome.ASSISTANCE_KINDS,
}
# Outcomes that pay money: the amount is required.
AMOUNT_KINDS = (
    ReferralOutcome.Kind.SUBSIDY,
    ReferralOutcome.Kind.DIBAO,
    ReferralOutcome.Kind.TEMPORARY,
    ReferralOutcome.Kind.MEDICAL,
)
# Parties that may see the employer of a placement (confidential from everyone else).
EMPLOYER_PARTIES = (Party.COMMUNITY, Party.HUMAN_RESOURCES)
OPEN = selectors.OPEN_REFERRAL_STATUSES


# --- selectors ------------------------------------------------------------------------------


def employer_visible(user) -> bool:
    """Return whether the user's party may see the employer of a placement."""
    staff = selectors.staff_for(user)
    return staff is not None and AGENCY_PARTY.get(staff.agency.kind) in EMPLOYER_PARTIES


def referral_kinds_visible(record_types) -> list[str]:
    """Return the referral kinds whose record type the user may read about a person."""
    return [kind for kind, rt in RECORD_TYPE.items() if rt in record_types]


def referral_get(user, referral_id) -> Referral:
    """Return a referral the user may see, else raise Http404.

    The target agency sees its own referrals at any status (its own case work; only the
    referral and its outcomes, no other record of the person). Anyone else needs the person
    visible with the referral's record type (training for 人社, assistance for 民政).
    """
    try:
        referral_id = int(referral_id)
    except (TypeError, ValueError):
        raise Http404 from None
    referral = (
        Referral.objects.select_related("person", "episode__township", "agency", "referred_by", "handled_by")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise Http404
    if not referral_is_mine(user, referral):
        selectors.person_get(user, referral.person_id, record_type=RECORD_TYPE[referral.kind])
    return referral


def referral_is_mine(user, referral: Referral) -> bool:
    """Return whether the user acts for the referral's target agency."""
    staff = selectors.staff_for(user)
    return (
        staff is not None
        and staff.agency_id == referral.agency_id
        and selectors.agency_group_id(staff) is not None
    )


def referrals_for_agency(user):
    """Return the referrals to the user's agency (人社所 or 民政办), newest first, with the person."""
    return selectors.referrals_received(user)


def referrals_of(person, record_types) -> list[Referral]:
    """Return a visible person's referrals of the kinds the user may read, with outcomes (two queries)."""
    kinds = referral_kinds_visible(record_types)
    if not kinds:
        return []
    return list(
        Referral.objects.filter(person=person, kind__in=kinds)
        .select_related("agency")
        .prefetch_related("outcomes")
        .order_by("-referred_on", "-id")
    )


# --- services -------------------------------------------------------------------------------


def _check_day(day: date, earliest: date | None, message: str) -> None:
    if day > timezone.localdate():
        raise RecordRefused(_("日期不能晚于今天。"))
    if earliest and day < earliest:
        raise RecordRefused(message)


def _lock_mine(user, referral: Referral) -> Referral:
    """Return the referral locked for update; refuse unless the user acts for its target agency."""
    referral = (
        Referral.objects.select_for_update().select_related("person", "episode", "agency").get(pk=referral.pk)
    )
    if not referral_is_mine(user, referral):
        raise RecordRefused(_("只有被转介的单位可以办理该转介。"))
    return referral


def _event(user, referral: Referral, kind: str, message: str) -> None:
    """Record a timeline event that names neither the agency, the help, the employer nor an amount."""
    event_record(
        person=referral.person,
        episode=referral.episode,
        actor=user,
        kind=kind,
        message=message,
        referral_id=referral.pk,
    )


def _update(user, referral: Referral, event_kind: str, message: str, **fields) -> Referral:
    """Save the changed fields of a locked referral and record the event."""
    for name, value in fields.items():
        setattr(referral, name, value)
    referral.save(update_fields=list(fields))
    _event(user, referral, event_kind, message)
    return referral


@transaction.atomic
def referral_create(
    *, actor, episode: Episode, kind: str, needs: str, skills: str = "", on: date | None = None
) -> Referral:
    """Refer the person to the 人社所 or 民政办 of the episode's township; grant it access."""
    on = on or timezone.localdate()
    episode = episode_lock(episode.pk)
    if "act_work_station" not in selectors.person_access_for(actor, episode.person).actions:
        raise RecordRefused(_("只有执行地工作站可以转介。"))
    if not episode.is_open or episode.start_date is None:
        raise RecordRefused(_("当前状态“%(s)s”不能转介。") % {"s": episode.get_status_display()})
    _check_day(on, episode.start_date, _("转介日期不能早于执行起始日期。"))
    if not needs.strip():
        raise RecordRefused(_("请填写需求。"))
    agency = (
        Agency.objects.filter(kind=TARGET_KIND[kind], region_id=episode.township_id).order_by("pk").first()
    )
    if agency is None:
        raise RecordRefused(
            _("执行地乡镇（街道）没有%(agency)s，不能转介。")
            % {"agency": Agency.Kind(TARGET_KIND[kind]).label}
        )
    if Referral.objects.filter(episode=episode, kind=kind, status__in=OPEN).exists():
        raise RecordRefused(_("该人员已有未办结的同类转介。"))
    referral = Referral.objects.create(
        episode=episode,
        person=episode.person,
        kind=kind,
        agency=agency,
        needs=needs.strip(),
        skills=skills.strip(),
        referred_by=actor,
        referred_on=on,
    )
    _event(actor, referral, "referral", "转介帮扶（详见转介记录）")
    sync_person_grants([episode.person_id])
    # The referral is the receiving office's work item: each of its users is told it arrived.
    referral_arrived_notify(referral)
    return referral


@transaction.atomic
def referral_accept(*, actor, referral: Referral, on: date) -> Referral:
    """Accept the referral (the target agency, once)."""
    referral = _lock_mine(actor, referral)
    if referral.status != Referral.Status.REFERRED:
        raise RecordRefused(_("该转介已处理（%(s)s），不能重复受理。") % {"s": referral.get_status_display()})
    _check_day(on, referral.referred_on, _("受理日期不能早于转介日期。"))
    return _update(
        actor,
        referral,
        "referral_accepted",
        "转介已受理",
        status=Referral.Status.ACCEPTED,
        handled_by=actor,
        accepted_on=on,
    )


@transaction.atomic
def referral_decline(*, actor, referral: Referral, on: date, reason: str) -> Referral:
    """Decline the referral with a reason; the agency's grants on the person go."""
    referral = _lock_mine(actor, referral)
    if referral.status != Referral.Status.REFERRED:
        raise RecordRefused(
            _("该转介已处理（%(s)s），不能再不予受理。") % {"s": referral.get_status_display()}
        )
    if not reason.strip():
        raise RecordRefused(_("不予受理须填写理由。"))
    _check_day(on, referral.referred_on, _("日期不能早于转介日期。"))
    _update(
        actor,
        referral,
        "referral_declined",
        "转介不予受理",
        status=Referral.Status.DECLINED,
        handled_by=actor,
        decline_reason=reason.strip(),
        closed_on=on,
    )
    sync_person_grants([referral.person_id])
    return referral


@transaction.atomic
def outcome_record(
    *,
    actor,
    referral: Referral,
    kind: str,
    on_date: date,
    course: str = "",
    hours: int | None = None,
    certificate: str = "",
    employer: str = "",
    amount: Decimal | None = None,
    note: str = "",
) -> ReferralOutcome:
    """Record what the agency did on an accepted referral (rules.md §3.2-3.3)."""
    referral = _lock_mine(actor, referral)
    if referral.status == Referral.Status.DECLINED:
        raise RecordRefused(_("该转介已不予受理，不能登记结果。"))
    if referral.status != Referral.Status.ACCEPTED:
        raise RecordRefused(_("该转介%(s)s，不能登记结果。") % {"s": referral.get_status_display()})
    if kind not in OUTCOME_KINDS[referral.kind]:
        raise RecordRefused(_("该结果类别不属于本类转介。"))
    _check_day(on_date, referral.accepted_on, _("结果日期不能早于受理日期。"))
    if kind == ReferralOutcome.Kind.TRAINING and not (course.strip() and hours):
        raise RecordRefused(_("职业技能培训须填写培训项目和学时。"))
    if kind == ReferralOutcome.Kind.PLACEMENT and not employer.strip():
        raise RecordRefused(_("就业安置须填写用人单位。"))
    if kind in AMOUNT_KINDS and (amount is None or amount <= 0):
        raise RecordRefused(_("请填写金额（元）。"))
    outcome = ReferralOutcome(
        referral=referral,
        kind=kind,
        on_date=on_date,
        course=course.strip(),
        hours=hours,
        certificate=certificate.strip(),
        employer=employer.strip()
        if kind in (ReferralOutcome.Kind.PLACEMENT, ReferralOutcome.Kind.PUBLIC_JOB)
        else "",
        amount=amount if kind in AMOUNT_KINDS else None,
        note=note.strip(),
        recorded_by=actor,
    )
    outcome.full_clean()
    outcome.save()
    _event(actor, referral, "referral_outcome", "登记转介结果")
    return outcome


@transaction.atomic
def referral_close(*, actor, referral: Referral, on: date) -> Referral:
    """Close an accepted referral; the agency keeps no grant on the person."""
    referral = _lock_mine(actor, referral)
    if referral.status != Referral.Status.ACCEPTED:
        raise RecordRefused(_("该转介%(s)s，不能办结。") % {"s": referral.get_status_display()})
    _check_day(on, referral.accepted_on, _("办结日期不能早于受理日期。"))
    _update(actor, referral, "referral_closed", "转介已办结", status=Referral.Status.CLOSED, closed_on=on)
    sync_person_grants([referral.person_id])
    return referral
