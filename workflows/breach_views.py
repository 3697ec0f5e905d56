"""Pages for breaches, the hand-over package and out-of-county absences (issue 5, helper h1).

Every person is read through `permissions.selectors` with the record type the page shows
(violation or absence): a person outside the user's view, or a party whose matrix lacks the
type, gets 404. Writes are for the work station only; the services decide the domain rules.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format  # dates as the pages show them (h6)
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework.errors import RecordRefused
from casework.forms import RevealForm
from casework.models import Absence, Agency, Breach, Episode, HandOver
from permissions import selectors
from permissions.gate import person_gate
from permissions.models import AccessLog, RecordType
from permissions.services import access_log_write
from workflows.branches import absences as absence_services
from workflows.branches import breaches as breach_services
from workflows.flows import BreachHandOverFlow
from workflows.lifecycle_forms import (
    AbsenceExtendForm,
    AbsenceReportForm,
    AbsenceReturnForm,
    AbsenceUnreportedForm,
    BreachConfirmForm,
)
from workflows.registry import task_title
from workflows.submissions import AlreadyRecorded, already_recorded_page, submission_key_add, submitted_once
from workflows.transitions import TransitionNotAllowed


def _work_station_person(request, pk, record_type):
    staff = selectors.staff_for(request.user)
    if staff is None or staff.agency.kind != Agency.Kind.WORK_STATION:
        raise Http404
    return person_gate(request.user, pk, read=record_type).person


def _current_episode(person, statuses) -> Episode:
    episode = (
        person.episodes.select_related("person", "township")
        .filter(status__in=statuses)
        .order_by("-decision_date", "-id")
        .first()
    )
    if episode is None:
        raise Http404
    return episode


def _form_page(request, *, form, person, title, help_text, template="breaches/form.html", extra=None):
    return render(
        request,
        template,
        {"form": form, "person": person, "title": title, "help": help_text, **(extra or {})},
    )


def person_breaches(request, pk):
    """A person's breaches, counter, hand-overs and absences: each part only to parties that may read it."""
    gate = person_gate(request.user, pk)
    person, access = gate.person, gate.access
    shown = gate.record_types & {RecordType.VIOLATION, RecordType.ABSENCE}
    if not shown:
        raise Http404
    access_log_write(
        request=request, person_ids=[person.pk], action=AccessLog.Action.DETAIL, record_types=shown
    )
    staff = selectors.staff_for(request.user)
    episodes = list(breach_services.episodes_with_counters(selectors.person_episodes(person))[:5])
    episode = episodes[0] if episodes else None
    can_write = staff.agency.kind == Agency.Kind.WORK_STATION and episode is not None
    # The open hand-over step the user may do now (the package, or the police's decision): one query.
    codenames = {f"casework.{c}" for c in access.actions}
    handover_steps = (
        [
            {"task": t, "title": task_title(t)}
            for t in selectors.person_tasks(person)
            .filter(
                flow_task_type="HUMAN",
                status__in=["NEW", "ASSIGNED"],
                process__flow_class=BreachHandOverFlow,
            )
            .order_by("created", "pk")
            if t.owner_id == request.user.pk or (t.owner_id is None and t.owner_permission in codenames)
        ]
        if RecordType.VIOLATION in shown
        else []
    )
    return render(
        request,
        "breaches/list.html",
        {
            "handover_steps": handover_steps,
            "person": person,
            "tab": "breaches",
            "record_types": access.record_types,
            "episode": episode,
            "counters": breach_services.counters_of(episode) if episode else None,
            "breaches": list(person.breaches.select_related("confirmed_by")[:50])
            if RecordType.VIOLATION in shown
            else None,
            "handovers": list(
                HandOver.objects.filter(episode__person=person, reason__in=breach_services.HANDOVER_REASONS)[
                    :20
                ]
            )
            if RecordType.VIOLATION in shown
            else None,
            "absences": list(person.absences.all()[:50]) if RecordType.ABSENCE in shown else None,
            "can_confirm": can_write
            and RecordType.VIOLATION in shown
            and episode.status in breach_services.CONFIRMABLE_STATUSES,
            "can_report": can_write
            and RecordType.ABSENCE in shown
            and episode.status == Episode.Status.ACTIVE,
            "can_unreported": can_write
            and RecordType.ABSENCE in shown
            and episode.status in absence_services.UNREPORTED_STATUSES,
            "can_return": can_write and RecordType.ABSENCE in shown,
        },
    )


@require_http_methods(["GET", "POST"])
def breach_confirm_page(request, pk):
    """Confirm a breach (禁毒法 art 35 para 2; 戒毒条例 art 20)."""
    person = _work_station_person(request, pk, RecordType.VIOLATION)
    episode = _current_episode(person, breach_services.CONFIRMABLE_STATUSES)
    initial = {k: request.GET[k] for k in ("kind", "absence", "drug_test") if k in request.GET}
    form = submission_key_add(BreachConfirmForm(request.POST or None, episode=episode, initial=initial))
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                breach = submitted_once(
                    key=data["submission_key"],
                    user=request.user,
                    save=lambda: breach_services.breach_confirm(
                        actor=request.user,
                        episode=episode,
                        kind=data["kind"],
                        occurred_on=data["occurred_on"],
                        drug_test=data["drug_test"],
                        absence=data["absence"],
                        response=data["response"],
                        warning_number=data["warning_number"],
                        description=data["description"],
                    ),
                    record_url=lambda b: reverse("person_breaches", args=[person.pk]) + f"#breach-{b.pk}",
                )
            except AlreadyRecorded as repeat:
                return already_recorded_page(
                    request, person=person, submission=repeat.submission, title=_("确认违反协议")
                )
            except (RecordRefused, TransitionNotAllowed) as exc:
                messages.error(request, str(exc))
            else:
                if breach.response == Breach.Response.HANDOVER:
                    counters = breach_services.breach_counters(episode)
                    if breach.kind == Breach.Kind.RELAPSE and not counters.serious:
                        text = _("已确认复吸，须当日移交公安机关（《戒毒条例》第二十一条），移交任务已生成。")
                    else:
                        text = _(
                            "已确认。构成严重违反协议（%(criterion)s，《戒毒条例》第二十条），须移交公安机关，移交任务已生成。"
                        ) % {"criterion": counters.criterion_label}
                    messages.warning(request, text)
                else:
                    messages.success(request, _("已确认违反协议并记录处理。"))
                return redirect("person_breaches", pk=person.pk)
        else:
            messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return _form_page(
        request,
        form=form,
        person=person,
        title=_("确认违反协议"),
        help_text=_(
            "逃避或拒绝检测3次以上、擅自离开县（市、区）3次以上或累计超过30日的，为严重违反协议，须移交公安机关（《戒毒条例》第二十条、第二十一条）。未按期检测不自动计数，须逐次确认。"
        ),
        extra={"counters": breach_services.breach_counters(episode)},
    )


@require_http_methods(["GET", "POST"])
def absence_report_page(request, pk):
    """Record the written report before leaving the county (戒毒条例 art 19(3))."""
    person = _work_station_person(request, pk, RecordType.ABSENCE)
    episode = _current_episode(person, [Episode.Status.ACTIVE, Episode.Status.OUT_OF_COUNTY])
    form = submission_key_add(
        AbsenceReportForm(
            request.POST or None, initial={"reported_on": timezone.localdate(), "contact_phone": ""}
        )
    )
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            key = data.pop("submission_key")
            try:
                absence = submitted_once(
                    key=key,
                    user=request.user,
                    save=lambda: absence_services.absence_report(actor=request.user, episode=episode, **data),
                    record_url=lambda a: reverse("person_breaches", args=[person.pk]) + f"#absence-{a.pk}",
                )
            except AlreadyRecorded as repeat:
                return already_recorded_page(
                    request, person=person, submission=repeat.submission, title=_("登记外出报告")
                )
            except absence_services.ReportNotRequired as exc:
                messages.info(request, str(exc))
            except (RecordRefused, TransitionNotAllowed) as exc:
                messages.error(request, str(exc))
            else:
                if absence.status == Absence.Status.PENDING:
                    messages.success(request, _("外出报告已登记，待工作站负责人审批。"))
                else:
                    messages.success(
                        request,
                        _("外出报告已登记，须于 %(date)s 前返回销假。")
                        % {"date": date_format(absence.returns_by)},
                    )
                return redirect("person_breaches", pk=person.pk)
        else:
            messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return _form_page(
        request,
        form=form,
        person=person,
        title=_("登记外出报告"),
        help_text=_(
            "离开县（市、区）3日以上的，须在离开前书面报告（《戒毒条例》第十九条）；不足3日的无需报告。"
        ),
    )


@require_http_methods(["GET", "POST"])
def absence_unreported_page(request, pk):
    """Record an absence found without a written report; confirming it is the next page (art 20).

    A second identical post answers "already recorded" and records nothing.
    """
    person = _work_station_person(request, pk, RecordType.ABSENCE)
    episode = _current_episode(person, absence_services.UNREPORTED_STATUSES)
    form = submission_key_add(AbsenceUnreportedForm(request.POST or None))
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            key = data.pop("submission_key")
            try:
                absence = submitted_once(
                    key=key,
                    user=request.user,
                    save=lambda: absence_services.absence_unreported_record(
                        actor=request.user, episode=episode, **data
                    ),
                    record_url=lambda a: reverse("person_breaches", args=[person.pk]) + f"#absence-{a.pk}",
                )
            except AlreadyRecorded as repeat:
                return already_recorded_page(
                    request, person=person, submission=repeat.submission, title=_("登记未报告外出")
                )
            except absence_services.ReportNotRequired as exc:
                messages.info(request, str(exc))
            except RecordRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("已登记未报告外出。请确认是否计为擅自离开。"))
                url = reverse("breach_confirm", args=[person.pk])
                return redirect(f"{url}?kind={Breach.Kind.UNAUTHORISED_EXIT}&absence={absence.pk}")
        else:
            messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return _form_page(
        request,
        form=form,
        person=person,
        title=_("登记未报告外出"),
        help_text=_(
            "未书面报告离开县（市、区）3日以上的，经确认计入擅自离开的次数和天数（《戒毒条例》第二十条）。"
        ),
    )


def _absence_for(request, pk) -> Absence:
    absence = Absence.objects.select_related("episode").filter(pk=pk).first()
    if absence is None:
        raise Http404
    absence.person = _work_station_person(request, absence.person_id, RecordType.ABSENCE)
    return absence


def _absence_action(request, pk, form_class, action, title, done_message):
    """A second post of the same rendered form answers "already recorded" and moves nothing."""
    absence = _absence_for(request, pk)
    form = submission_key_add(form_class(request.POST or None))
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            key = data.pop("submission_key")
            try:
                submitted_once(
                    key=key,
                    user=request.user,
                    save=lambda: action(actor=request.user, absence=absence, **data),
                    record_url=lambda a: (
                        reverse("person_breaches", args=[absence.person_id]) + f"#absence-{a.pk}"
                    ),
                )
            except AlreadyRecorded as repeat:
                return already_recorded_page(
                    request, person=absence.person, submission=repeat.submission, title=title
                )
            except (RecordRefused, TransitionNotAllowed) as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, done_message)
                return redirect("person_breaches", pk=absence.person_id)
        else:
            messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return _form_page(
        request,
        form=form,
        person=absence.person,
        title=title,
        help_text=_("外出：%(start)s 至 %(end)s，%(dest)s")
        % {
            "start": date_format(absence.leaves_on),
            "end": date_format(absence.extended_to or absence.returns_by),
            "dest": absence.destination,
        },
    )


@require_http_methods(["GET", "POST"])
def absence_return_page(request, pk):
    """The return check-in (销假) that closes the absence_back deadline."""
    return _absence_action(
        request, pk, AbsenceReturnForm, absence_services.absence_return, _("返回销假"), _("已销假。")
    )


@require_http_methods(["GET", "POST"])
def absence_extend_page(request, pk):
    """Extend an absence (续假): the return date and its deadline move."""
    return _absence_action(
        request,
        pk,
        AbsenceExtendForm,
        absence_services.absence_extend,
        _("续假"),
        _("已续假，返回日期已更新。"),
    )


@require_http_methods(["GET", "POST"])
def handover_print(request, pk):
    """The hand-over package as an A4 page: 严重违反协议证明 (or the relapse report) and 移交回执.

    Readable by parties whose matrix includes violations. It prints masked numbers; a reader who
    may see identifiers prints them in full by giving a reason, as on the reveal page, and the
    log row carries it. The relapse report's test details are shown only to readers of drug tests
    (the judicial office reads violations, not tests). Each print is logged with what it showed.
    """
    handover = (
        HandOver.objects.select_related(
            "episode__township", "episode__community", "prepared_by", "received_by"
        )
        .filter(pk=pk, reason__in=breach_services.HANDOVER_REASONS)
        .first()
    )
    if handover is None:
        raise Http404
    gate = person_gate(request.user, handover.episode.person_id, read=RecordType.VIOLATION)
    person = gate.person
    form = RevealForm(request.POST or None) if gate.full_identifiers else None
    full_ids = form is not None and request.method == "POST" and form.is_valid()
    context = breach_services.handover_print_context(handover)
    if not gate.reads(RecordType.DRUGTEST):
        context["positive_test"] = None
    shown = [RecordType.VIOLATION, "identity"]
    if context["positive_test"] is not None:
        shown.append(RecordType.DRUGTEST)
    if full_ids:
        shown.append(RecordType.IDENTIFIERS)
    access_log_write(
        request=request,
        person_ids=[person.pk],
        action=AccessLog.Action.PRINT,
        record_types=shown,
        reason=form.cleaned_data["reason"] if full_ids else "",
    )
    return render(
        request,
        "breaches/handover_print.html",
        {
            "handover": handover,
            "episode": handover.episode,
            "person": person,
            "id_number": person.id_number if full_ids else person.id_number_masked,
            "phone": person.phone if full_ids else person.phone_masked,
            "reveal_form": None if full_ids else form,
            **context,
        },
    )
