"""Intake: from the decision to reporting in, the agreement, the plan and the help team
(戒毒条例 arts 13-17), as the step handlers of IntakeFlow; and the review of an abnormal test
(FollowUpFlow). Each handler saves its form and moves the episode.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import deadlines
from casework import services as casework_services
from casework.errors import RecordRefused
from casework.models import (
    Agreement,
    Episode,
    HandOver,
    PartyRole,
    Person,
    Plan,
    ReportingIn,
    TeamMember,
)
from casework.services import event_record
from permissions.services import sync_person_grants
from workflows.branches.breaches import follow_up_confirm
from workflows.duties import duties_start
from workflows.flows import IntakeFlow
from workflows.transitions import episode_transition

S = Episode.Status

# The standard clauses of the agreement signed at reporting in (戒毒条例 art 16), offered as
# the agreement form's initial text.
AGREEMENT_MEASURES = "定期接受吸毒检测；参加戒毒知识辅导和心理咨询；接受帮教小组的帮扶和教育。"
AGREEMENT_RULES = "遵守国家法律法规，不得吸食、注射毒品；按要求接受检测；离开县(市、区)三日以上须书面报告（《戒毒条例》第十九条）。"
AGREEMENT_LIABILITY = "违反协议的，给予批评、教育；严重违反协议或再次吸毒的，报告公安机关依法处理（《戒毒条例》第二十条、第二十一条）。"

# What the work station did about a refused, evaded or abnormal test (FollowUpFlow's review).
FOLLOW_UP_ACTIONS = [
    ("education", gettext_lazy("已批评教育")),
    ("warning", gettext_lazy("已批评教育并送达告诫书")),
    ("report_police", gettext_lazy("已报告公安机关")),
    ("confirm_breach", gettext_lazy("确认为逃避或拒绝检测，计入违反协议次数并批评教育")),
]


def decision_photo_keep_on_commit(reporting_in, upload) -> None:
    """Write the photo to storage only once the step's transaction has committed.

    Saved inside the transaction, a file would stay on disk when the step rolls back (a lost
    flow lock, a refused transition) with no row pointing at it. The content is read now (it is
    at most settings.DECISION_UPLOAD_MAX_BYTES): the upload's temporary file may be closed by then.
    """
    content = ContentFile(upload.read(), name=upload.name)

    def keep():
        reporting_in.decision_photo.save(content.name, content, save=False)
        ReportingIn.objects.filter(pk=reporting_in.pk).update(decision_photo=reporting_in.decision_photo.name)

    transaction.on_commit(keep)


def handle_report_in(user, episode, data, activation):
    reported = data["reported_on"]
    reporting_in = ReportingIn.objects.create(
        episode=episode,
        reported_on=reported,
        documents=data["documents"],
        on_time=reported <= episode.report_deadline,
        recorded_by=user,
    )
    if data.get("decision_photo"):
        decision_photo_keep_on_commit(reporting_in, data["decision_photo"])
    paused = 0
    episode_transition(
        episode_id=episode.pk,
        to=S.REPORTED,
        actor=user,
        message=_("报到（%(when)s）")
        % {"when": _("按期") if reported <= episode.report_deadline else _("逾期")},
        reported_on=reported,
        start_date=reported,
        expected_end_date=deadlines.expected_end_date(reported, episode.term_months, paused),
    )


def handle_refusal_check(user, episode, data, activation):
    activation.process.data["legitimate_reason"] = data["legitimate_reason"]
    activation.process.save(update_fields=["data"])
    if data["legitimate_reason"]:
        Episode.objects.filter(pk=episode.pk).update(
            report_deadline=data["new_deadline"], report_period_days=None, report_day_count=""
        )
        event_record(
            person=episode.person,
            episode=episode,
            actor=user,
            kind="deadline_extended",
            message=f"逾期未报到核实：有正当理由（{data['reason']}），报到期限延至 {date_format(data['new_deadline'])}",
        )
    else:
        event_record(
            person=episode.person,
            episode=episode,
            actor=user,
            kind="refusal_confirmed",
            message=f"逾期未报到核实：无正当理由，视为拒绝接受社区戒毒（{data['reason']}）",
        )


def handle_handover(user, episode, data, activation):
    HandOver.objects.create(
        episode=episode,
        reason=HandOver.Reason.REFUSAL,
        prepared_on=data["prepared_on"],
        documents="、".join(data["documents"]),
        prepared_by=user,
    )
    episode_transition(
        episode_id=episode.pk, to=S.REFUSAL_REPORTED, actor=user, message="逾期未报到，移交公安机关"
    )


def handle_police_decision(user, episode, data, activation):
    handover = episode.handovers.filter(received_on__isnull=True).order_by("-prepared_on", "-id").first()
    if handover is None:
        raise RecordRefused(_("没有待接收的移交材料。"))
    handover.received_on = data["received_on"]
    handover.receipt_number = data["receipt_number"]
    handover.decision = data["decision"]
    handover.decision_reason = data["decision_reason"]
    handover.received_by = user
    handover.save()
    compulsory = data["decision"] == HandOver.Decision.COMPULSORY
    activation.process.data["compulsory"] = compulsory
    activation.process.save(update_fields=["data"])
    if compulsory:
        episode_transition(
            episode_id=episode.pk,
            to=S.COMPULSORY,
            actor=user,
            message=f"公安机关决定强制隔离戒毒（{data['decision_reason']}）",
            closed_on=data["received_on"],
        )
    else:
        Episode.objects.filter(pk=episode.pk).update(
            report_deadline=data["new_deadline"], report_period_days=None, report_day_count=""
        )
        event_record(
            person=episode.person,
            episode=episode,
            actor=user,
            kind="police_continue",
            message=f"公安机关决定继续执行，责令于 {date_format(data['new_deadline'])} 前报到（{data['decision_reason']}）",
        )


def handle_agreement(user, episode, data, activation):
    Agreement.objects.create(
        episode=episode,
        signed_on=data["signed_on"],
        measures=data["measures"],
        rules=data["rules"],
        liability=data["liability"],
        period_start=episode.start_date,
        period_end=episode.expected_end_date,
        signed_by=user,
    )
    event_record(
        person=episode.person,
        episode=episode,
        actor=user,
        kind="agreement",
        message="签订协议",
        happened_on=data["signed_on"],
    )


def handle_plan(user, episode, data, activation):
    Plan.objects.create(episode=episode, written_by=user, **data)
    event_record(
        person=episode.person,
        episode=episode,
        actor=user,
        kind="plan",
        message="制定个人计划",
        happened_on=data["written_on"],
    )


TEAM_PARTY_CODES = ("community", "police", "judicial", "civil_affairs", "human_resources")


def team_members_add(episode, data) -> list[TeamMember]:
    """Create the help team members named in a TeamForm's data (at intake and after a
    transfer) and resync the person's grants; return the members created."""
    roles = {r.code: r for r in PartyRole.objects.all()}
    start = data["start_date"]
    members = [
        TeamMember(episode=episode, role=roles[code], user=data[code], start_date=start)
        for code in TEAM_PARTY_CODES
        if data.get(code)
    ]
    if data.get("family_name"):
        members.append(
            TeamMember(
                episode=episode,
                role=roles["family"],
                name=data["family_name"],
                phone=data["family_phone"],
                start_date=start,
            )
        )
    for member in members:
        member.save()
    sync_person_grants([episode.person_id])
    return members


def handle_team(user, episode, data, activation):
    team_members_add(episode, data)
    episode = episode_transition(
        episode_id=episode.pk, to=S.ACTIVE, actor=user, message="帮教小组组建，开始执行"
    )
    created = duties_start(episode)
    event_record(
        person=episode.person,
        episode=episode,
        actor=user,
        kind="schedule",
        message="生成应办事项："
        + "、".join(f"{o.get_kind_display()} {date_format(o.due_by)}" for o in created),
    )


def handle_follow_up(user, episode, data, activation):
    if data["action"] == "confirm_breach":  # counts toward serious breach (戒毒条例 art 20)
        follow_up_confirm(
            actor=user,
            episode=episode,
            drug_test_id=activation.process.data["drug_test_id"],
            note=data["note"],
        )
    label = dict(FOLLOW_UP_ACTIONS)[data["action"]]
    event_record(
        person=episode.person,
        episode=episode,
        actor=user,
        kind="follow_up",
        message=f"异常检测处置：{label}（{data['note']}）",
    )


@transaction.atomic
def decision_register(*, actor, person_form, episode_form) -> Episode:
    """Create the person (if new) and the episode from a decision document; grant access to match."""
    community = episode_form.cleaned_data["community"]
    person = person_form.instance
    if person.pk is None:
        person = person_form.save(commit=False)
        person.region = community
        person = casework_services.person_create(
            actor=actor,
            **{f.name: getattr(person, f.name) for f in Person._meta.concrete_fields if f.name != "id"},
        )
    data = {k: v for k, v in episode_form.cleaned_data.items() if k != "community"}
    episode = casework_services.episode_create(actor=actor, person=person, community=community, **data)
    sync_person_grants([person.pk])
    IntakeFlow.start.run(episode=episode)
    return episode


@transaction.atomic
def person_edit(*, actor, person_form) -> Person:
    """Save edits to a person's file; regions feed the police grants, so resync them."""
    person = person_form.save(commit=False)
    person = casework_services.person_update(
        actor=actor, person=person, changed=list(person_form.changed_data)
    )
    if {"residence_region", "household_region"} & set(person_form.changed_data):
        sync_person_grants([person.pk])
    return person
