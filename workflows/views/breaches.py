"""Breaches of the agreement and the hand-over package to the police (戒毒条例 arts 20-21)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework.errors import RecordRefused
from casework.forms import RevealForm
from casework.models import Agency, Breach, Episode, HandOver
from permissions import selectors
from permissions.gate import person_gate
from permissions.models import AccessLog, RecordType
from permissions.services import access_log_write
from workflows.branches import absences as absence_services
from workflows.branches import breaches as breach_services
from workflows.flows import BreachHandOverFlow
from workflows.forms.breaches import BreachConfirmForm
from workflows.pages import current_episode, form_render, work_station_person
from workflows.registry import task_title
from workflows.submissions import AlreadyRecorded, already_recorded_page, submission_key_add, submitted_once
from workflows.transitions import TransitionNotAllowed


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
    person = work_station_person(request, pk, read=RecordType.VIOLATION)
    episode = current_episode(person, breach_services.CONFIRMABLE_STATUSES)
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
    return form_render(
        request,
        cancel_url=reverse("person_breaches", args=[person.pk]),
        form=form,
        person=person,
        title=_("确认违反协议"),
        help_text=_(
            "逃避或拒绝检测3次以上、擅自离开县（市、区）3次以上或累计超过30日的，为严重违反协议，须移交公安机关（《戒毒条例》第二十条、第二十一条）。未按期检测不自动计数，须逐次确认。"
        ),
        counters=breach_services.breach_counters(episode),
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
