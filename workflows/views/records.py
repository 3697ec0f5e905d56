"""Recording what fulfils a duty: drug tests, talks and visits, excusing a duty (戒毒条例 arts 16, 28)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework.errors import RecordRefused
from casework.models import Agency, DrugTest, Episode, Obligation, ObligationKind, Staff, Talk
from casework.templatetags.casework_tags import staff_name
from obligations.services import obligation_excuse, record_correct, record_void, talk_record
from permissions import selectors
from permissions.gate import person_gate
from permissions.models import RecordType
from workflows.branches.records import drug_test_record
from workflows.forms.records import DrugTestForm, ExcuseForm, RecordCorrectForm, RecordVoidForm, TalkForm
from workflows.pages import current_episode, form_page, form_render
from workflows.submissions import AlreadyRecorded, already_recorded_page, submission_key_add, submitted_once


def _drug_test_initial(user, staff, obligation_id) -> dict:
    """Today, the user as first collector, and the place of the user's last test (of a person the
    user may still read about), else the user's agency."""

    last_place = (
        DrugTest.objects.filter(
            recorded_by=user, person__in=selectors.visible_persons(user, RecordType.DRUGTEST).values("pk")
        )
        .order_by("-recorded_at", "-pk")
        .values_list("place", flat=True)
        .first()
    )
    return {
        "tested_on": timezone.localdate(),
        "place": last_place or staff.agency.name,
        "collector_1": staff_name(user),
    }


def _talk_initial(user, staff, obligation_id) -> dict:
    """Today, the kind the named duty asks for (a home visit or a talk), and the user's last place."""

    last_place = (
        selectors.visible_talks(user)
        .filter(staff=user)
        .exclude(place="")
        .order_by("-recorded_at", "-pk")
        .values_list("place", flat=True)
        .first()
    )
    duty = (
        Obligation.objects.filter(pk=obligation_id).values_list("kind", flat=True).first()
        if str(obligation_id or "").isdigit()
        else None
    )
    return {
        "held_on": timezone.localdate(),
        "kind": Talk.Kind.HOME_VISIT if duty == ObligationKind.HOME_VISIT else Talk.Kind.TALK,
        "place": last_place or "",
    }


def _record_page(
    request,
    pk,
    record_type,
    form_class,
    save,
    template_title,
    extra_kwargs,
    anchor,
    default_duty=None,
    initial_for=None,
):
    staff = selectors.staff_for(request.user)
    if staff is None or staff.agency.kind not in (Agency.Kind.WORK_STATION, Agency.Kind.POLICE):
        raise Http404
    person = person_gate(request.user, pk, read=record_type).person
    episode = current_episode(person, [Episode.Status.ACTIVE, Episode.Status.OUT_OF_COUNTY])
    obligation_id = request.GET.get("obligation") or request.POST.get("obligation")
    if request.method == "GET" and not obligation_id and default_duty:
        # Name the duty this page fulfils when it is rendered: a repeated post then finds that
        # duty done and is refused, instead of fulfilling the next one and moving the schedule.
        obligation_id = (
            episode.obligations.filter(kind=default_duty, status__in=Obligation.OPEN_STATUSES)
            .values_list("pk", flat=True)
            .first()
        )
    initial = {"obligation": obligation_id}
    if request.method == "GET" and initial_for is not None:
        # What the app already knows, so the form opens filled in: the user changes what differs.
        initial.update(initial_for(request.user, staff, obligation_id))
    form = submission_key_add(form_class(request.POST or None, initial=initial, **extra_kwargs(person)))
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("obligation", None)
            key = data.pop("submission_key", None)
            try:
                submitted_once(
                    key=key,
                    user=request.user,
                    save=lambda: save(
                        actor=request.user,
                        episode=episode,
                        obligation_id=form.cleaned_data.get("obligation"),
                        **data,
                    ),
                    record_url=lambda record: (
                        reverse("person_records", args=[person.pk]) + f"#{anchor}-{record.pk}"
                    ),
                )
            except AlreadyRecorded as repeat:
                return already_recorded_page(
                    request, person=person, submission=repeat.submission, title=template_title
                )
            except RecordRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("已保存，下次应办日期已更新。"))
                return redirect("person_detail", pk=person.pk)
        else:
            messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return form_render(request, form=form, person=person, title=template_title)


@require_http_methods(["GET", "POST"])
def drug_test_new(request, pk):
    return _record_page(
        request,
        pk,
        RecordType.DRUGTEST,
        DrugTestForm,
        drug_test_record,
        _("登记吸毒检测"),
        lambda p: {"person": p},
        "drugtest",
        default_duty=ObligationKind.DRUG_TEST,
        initial_for=_drug_test_initial,
    )


@require_http_methods(["GET", "POST"])
def talk_new(request, pk):
    staff = selectors.staff_for(request.user)
    if staff is None or staff.agency.kind != Agency.Kind.WORK_STATION:
        raise Http404
    # A talk page names no duty by itself: whether it fulfils a talk or a home visit is chosen
    # on the form. A link from a due item names it (?obligation=); the key stops a double click.
    return _record_page(
        request,
        pk,
        RecordType.TALK,
        TalkForm,
        talk_record,
        _("登记谈话走访"),
        lambda p: {},
        "talk",
        initial_for=_talk_initial,
    )


@require_http_methods(["GET", "POST"])
def obligation_excuse_page(request, pk):
    staff = selectors.staff_for(request.user)
    if (
        staff is None
        or staff.role != Staff.Role.HEAD
        or staff.agency.kind
        not in (
            Agency.Kind.WORK_STATION,
            Agency.Kind.DRUG_CONTROL,
        )
    ):
        raise Http404
    obligation = selectors.visible_obligations(request.user).select_related("person").filter(pk=pk).first()
    if obligation is None:
        raise Http404
    if staff.agency.kind == Agency.Kind.WORK_STATION:
        # Excusing is the executing station's act on the file, not a transfer's new place's.
        person_gate(request.user, obligation.person_id, act="act_work_station")
    form = submission_key_add(ExcuseForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            submitted_once(
                key=form.cleaned_data["submission_key"],
                user=request.user,
                save=lambda: obligation_excuse(
                    actor=request.user, obligation=obligation, reason=form.cleaned_data["reason"]
                ),
                record_url=lambda excused: reverse("person_detail", args=[excused.person_id]),
            )
        except AlreadyRecorded as repeat:
            return already_recorded_page(
                request, person=obligation.person, submission=repeat.submission, title=_("免除应办事项")
            )
        except RecordRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已免除。"))
            return redirect("person_detail", pk=obligation.person_id)
    return form_render(
        request, form=form, person=obligation.person, title=_("免除应办事项"), obligation=obligation
    )


def _saved_record(request, kind, pk):
    """A standing test or talk the user may record (and so correct): the same parties as its
    new-record page, through the person's gate; anything else is a 404."""
    model = RECORD_MODELS.get(kind)
    if model is None:
        raise Http404
    staff = selectors.staff_for(request.user)
    record = model.objects.select_related("episode").filter(pk=pk).first()
    if record is None or staff is None:
        raise Http404
    if model is DrugTest:
        record_type, kinds = RecordType.DRUGTEST, (Agency.Kind.WORK_STATION, Agency.Kind.POLICE)
    else:
        record_type, kinds = RecordType.TALK, (Agency.Kind.WORK_STATION,)
    if staff.agency.kind not in kinds:
        raise Http404
    person = person_gate(request.user, record.person_id, read=record_type).person
    return person, record


def _what(record) -> str:
    return str(record)  # the date and the result, or the date and the kind


@require_http_methods(["GET", "POST"])
def record_correct_page(request, kind, pk):
    """Correct the date of a saved test or talk; the schedule follows (obligations.services)."""
    person, record = _saved_record(request, kind, pk)
    return form_page(
        request,
        person=person,
        form=RecordCorrectForm(request.POST or None),
        title=_("更正记录：%(what)s") % {"what": _what(record)},
        help_text=_(
            "更正后，该记录对应事项的完成日期随之更改，下一次同类事项按新日期重新计算；理由记入时间线。"
        ),
        save=lambda data: record_correct(
            actor=request.user, record=record, on=data["on"], reason=data["reason"]
        ),
        success=_("已更正，下次应办日期已重新计算。"),
        cancel_url=reverse("person_records", args=[person.pk]),
    )


@require_http_methods(["GET", "POST"])
def record_void_page(request, kind, pk):
    """Void a saved test or talk with a reason; the duty it fulfilled opens again."""
    person, record = _saved_record(request, kind, pk)
    return form_page(
        request,
        person=person,
        form=RecordVoidForm(request.POST or None),
        title=_("作废记录：%(what)s") % {"what": _what(record)},
        help_text=_(
            "作废的记录保留在档案中（注明作废人和理由），但不再计入检测、帮教等统计；它完成的事项重新变为待办。"
        ),
        save=lambda data: record_void(actor=request.user, record=record, reason=data["reason"]),
        success=_("已作废，应办事项已重新计算。"),
        cancel_url=reverse("person_records", args=[person.pk]),
    )


RECORD_MODELS = {"drug-tests": DrugTest, "talks": Talk}
