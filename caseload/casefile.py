"""The case file (卷宗, 一人一档) of one person as an A4 PDF, and a township's files as one zip.

Sections in the order of rules.md §6.3; a section whose record type the reader does not hold is
left out altogether (its heading too), so the file says no more than the reader's pages would.
Full identity and phone numbers only when the reader gave a reason (logged, as with reveal).
Rendered from HTML by WeasyPrint, as the monthly report is (oversight.monthly). A fixed number of
queries per person, whatever the length of the history.
"""

import io
import zipfile
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caseload.models import CaseFileArchive
from casework.idnumber import mask_id_number, mask_phone
from casework.models import (
    Absence,
    Agreement,
    Breach,
    Certification,
    DrugTest,
    Episode,
    HandOver,
    Person,
    Plan,
    Referral,
    ReleaseNotice,
    ReportingIn,
    Suspension,
    Talk,
    TeamMember,
    Transfer,
)
from permissions.models import AccessLog, RecordType

FILE = "file"


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    record_type: str = FILE


# rules.md §6.3, in its order; the record type a reader must hold to see each.
SECTIONS = (
    SectionSpec("cover", _("封面与人员基本信息")),
    SectionSpec("decision", _("决定书及送达")),
    SectionSpec("reporting", _("报到记录")),
    SectionSpec("agreements", _("社区戒毒（康复）协议")),
    SectionSpec("plans", _("个人计划")),
    SectionSpec("team", _("帮教小组")),
    SectionSpec("tests", _("检测记录"), RecordType.DRUGTEST),
    SectionSpec("talks", _("谈话走访记录"), RecordType.TALK),
    SectionSpec("absences", _("外出报告与请假"), RecordType.ABSENCE),
    SectionSpec("breaches", _("违反协议与移交公安"), RecordType.VIOLATION),
    SectionSpec("transfers", _("变更执行地")),
    SectionSpec("suspensions", _("中止与终止")),
    SectionSpec("certification", _("脱毒认定")),
    SectionSpec("training", _("培训与就业"), RecordType.TRAINING),
    SectionSpec("assistance", _("社会救助"), RecordType.ASSISTANCE),
    SectionSpec("release", _("解除通知书")),
    SectionSpec("access", _("查阅记录摘要")),
)


def sections_shown(record_types) -> list[str]:
    """Return the keys of the sections a reader with these record types sees, in order."""
    return [s.key for s in SECTIONS if s.record_type == FILE or s.record_type in record_types]


@dataclass
class Section:
    key: str
    title: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)


def _d(value) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def _s(value) -> str:
    return str(value) if value not in (None, "") else "—"


def _user(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


def file_number(person: Person, episode: Episode | None) -> str:
    township = episode.township.code if episode else person.region.code[:9]
    return f"{township}-{person.pk:07d}"


def casefile_sections(person: Person, record_types, *, reveal: bool) -> tuple[str, list[Section]]:
    """Return the file number and the sections the reader may see, filled."""
    shown = set(sections_shown(record_types))
    episodes = list(Episode.objects.filter(person=person).select_related("township", "community"))
    current = episodes[0] if episodes else None
    in_person = {"episode__person": person}
    sections: dict[str, Section] = {s.key: Section(s.key, str(s.title)) for s in SECTIONS if s.key in shown}

    id_number = person.id_number if reveal else mask_id_number(person.id_number)
    phone = person.phone if reveal else mask_phone(person.phone)
    guarantor_phone = person.guarantor_phone if reveal else mask_phone(person.guarantor_phone)
    cover = sections["cover"]
    cover.pairs = [
        (_("姓名"), person.name),
        (_("性别"), person.get_sex_display()),
        (_("出生日期"), _d(person.birth_date)),
        (_("公民身份号码"), id_number),
        (_("联系电话"), _s(phone)),
        (_("户籍地址"), person.household_address),
        (_("居住地址"), person.residence_address),
        (_("管辖社区"), person.region.name),
        (_("文化程度"), _s(person.get_education_display())),
        (_("就业状况"), _s(person.get_employment_display())),
        (_("婚姻状况"), _s(person.get_marital_status_display())),
        (_("滥用毒品种类"), _s(person.drug_types)),
        (_("吸食方式"), _s(person.get_use_mode_display())),
        (_("吸毒史"), _s(person.drug_history)),
        (
            _("担保人"),
            f"{_s(person.guarantor_name)}（{_s(person.guarantor_relation)}） {_s(guarantor_phone)}",
        ),
    ]
    family = [
        f"{m.name}（{m.relation}）{' ' + (m.phone if reveal else mask_phone(m.phone)) if m.phone else ''}"
        for m in person.family.all()
    ]
    if family:
        cover.pairs.append((_("家庭成员"), "；".join(family)))

    sections["decision"].headers = [
        _("类别"),
        _("决定书文号"),
        _("决定机关"),
        _("决定日期"),
        _("送达日期"),
        _("期限(月)"),
        _("执行地"),
        _("状态"),
    ]
    sections["decision"].rows = [
        [
            e.get_kind_display(),
            e.decision_number,
            e.issuing_authority,
            _d(e.decision_date),
            _d(e.served_on),
            str(e.term_months),
            f"{e.township.name} {e.community.name}",
            e.get_status_display(),
        ]
        for e in episodes
    ]
    sections["reporting"].headers = [
        _("决定书文号"),
        _("报到期限"),
        _("报到日期"),
        _("按期"),
        _("收到材料"),
        _("预计期满"),
    ]
    reports = {r.episode_id: r for r in ReportingIn.objects.filter(**in_person)}
    sections["reporting"].rows = [
        [
            e.decision_number,
            _d(e.report_deadline),
            _d(e.reported_on),
            (_("是") if reports[e.pk].on_time else _("否")) if e.pk in reports else "—",
            reports[e.pk].documents if e.pk in reports else "—",
            _d(e.expected_end_date),
        ]
        for e in episodes
    ]
    sections["agreements"].headers = [_("签订日期"), _("期间"), _("签订人"), _("戒毒措施")]
    sections["agreements"].rows = [
        [_d(a.signed_on), f"{_d(a.period_start)} 至 {_d(a.period_end)}", _user(a.signed_by), a.measures[:120]]
        for a in Agreement.objects.filter(**in_person).select_related("signed_by").order_by("signed_on", "pk")
    ]
    sections["plans"].headers = [_("制定日期"), _("现实表现"), _("心理辅导"), _("帮扶救助"), _("制定人")]
    sections["plans"].rows = [
        [
            _d(p.written_on),
            p.current_situation[:120],
            _s(p.counselling)[:80],
            _s(p.assistance)[:80],
            _user(p.written_by),
        ]
        for p in Plan.objects.filter(**in_person).select_related("written_by").order_by("written_on", "pk")
    ]
    sections["team"].headers = [_("角色"), _("成员"), _("开始"), _("结束")]
    sections["team"].rows = [
        [m.role.name, m.name or _user(m.user), _d(m.start_date), _d(m.end_date)]
        for m in TeamMember.objects.filter(**in_person)
        .select_related("role", "user")
        .order_by("start_date", "role__order", "pk")
    ]
    if "tests" in sections:
        sections["tests"].headers = [_("日期"), _("样本"), _("方式"), _("结果"), _("地点"), _("临时抽检")]
        sections["tests"].rows = [
            [
                _d(t.tested_on),
                t.get_sample_type_display(),
                t.get_method_display(),
                t.get_result_display(),
                t.place,
                _("是") if t.ad_hoc else "",
            ]
            for t in DrugTest.objects.filter(person=person).order_by("tested_on", "pk")
        ]
    if "talks" in sections:
        sections["talks"].headers = [_("日期"), _("方式"), _("工作人员"), _("内容")]
        sections["talks"].rows = [
            [_d(t.held_on), t.get_kind_display(), _user(t.staff), t.summary[:150]]
            for t in Talk.objects.filter(person=person).select_related("staff").order_by("held_on", "pk")
        ]
    if "absences" in sections:
        sections["absences"].headers = [
            _("离开"),
            _("预计返回"),
            _("返回"),
            _("目的地"),
            _("事由"),
            _("状态"),
        ]
        sections["absences"].rows = [
            [
                _d(a.leaves_on),
                _d(a.returns_by),
                _d(a.returned_on),
                a.destination,
                a.reason,
                a.get_status_display(),
            ]
            for a in Absence.objects.filter(person=person).order_by("leaves_on", "pk")
        ]
    if "breaches" in sections:
        sections["breaches"].headers = [_("日期"), _("类别"), _("情况"), _("处理")]
        sections["breaches"].rows = [
            [_d(b.occurred_on), b.get_kind_display(), b.description[:120], b.get_response_display()]
            for b in Breach.objects.filter(person=person).order_by("occurred_on", "pk")
        ] + [
            [
                _d(h.prepared_on),
                _("移交公安：") + h.get_reason_display(),
                h.documents[:120],
                (h.get_decision_display() or _("待公安决定"))
                + (f"（{_d(h.received_on)}）" if h.received_on else ""),
            ]
            for h in HandOver.objects.filter(**in_person).order_by("prepared_on", "pk")
        ]
    sections["transfers"].headers = [_("申请日期"), _("原执行地"), _("新执行地"), _("原因"), _("状态")]
    sections["transfers"].rows = [
        [_d(t.requested_on), t.from_township.name, t.to_township.name, t.reason, t.get_status_display()]
        for t in Transfer.objects.filter(person=person)
        .select_related("from_township", "to_township")
        .order_by("requested_on", "pk")
    ]
    sections["suspensions"].headers = [_("日期"), _("事项"), _("说明"), _("结束")]
    sections["suspensions"].rows = [
        [_d(s.starts_on), _("中止：") + s.get_reason_display(), s.place, _d(s.ends_on)]
        for s in Suspension.objects.filter(**in_person).order_by("starts_on", "pk")
    ] + [
        [_d(e.closed_on), _("执行结束：") + e.get_closed_reason_display(), _s(e.closed_documents), ""]
        for e in episodes
        if e.closed_on and e.closed_reason
    ]
    sections["certification"].headers = [_("提请日期"), _("状态"), _("审批日期"), _("证明编号")]
    sections["certification"].rows = [
        [_d(c.proposed_on), c.get_status_display(), _d(c.decided_on), _s(c.certificate_number)]
        for c in Certification.objects.filter(**in_person).order_by("proposed_on", "pk")
    ]
    referral_types = {"training": Referral.Kind.EMPLOYMENT, "assistance": Referral.Kind.ASSISTANCE}
    wanted = [kind for key, kind in referral_types.items() if key in sections]
    if wanted:
        referrals = list(
            Referral.objects.filter(person=person, kind__in=wanted)
            .select_related("agency")
            .prefetch_related("outcomes")
            .order_by("referred_on", "pk")
        )
        for key, kind in referral_types.items():
            if key in sections:
                sections[key].headers = [_("转介日期"), _("单位"), _("状态"), _("结果")]
                sections[key].rows = [
                    [
                        _d(r.referred_on),
                        r.agency.name,
                        r.get_status_display(),
                        "；".join(f"{o.get_kind_display()} {_d(o.on_date)}" for o in r.outcomes.all()) or "—",
                    ]
                    for r in referrals
                    if r.kind == kind
                ]
    sections["release"].headers = [_("文号"), _("出具日期"), _("送达本人"), _("通知乡镇")]
    sections["release"].rows = [
        [n.number, _d(n.issued_on), _d(n.served_person_on), _d(n.township_notified_on)]
        for n in ReleaseNotice.objects.filter(**in_person).order_by("issued_on", "pk")
    ]
    labels = dict(AccessLog.Action.choices)
    sections["access"].headers = [_("操作"), _("次数"), _("最近一次")]
    sections["access"].rows = [
        [
            str(labels.get(row["action"], row["action"])),
            str(row["n"]),
            timezone.localtime(row["last"]).strftime("%Y-%m-%d %H:%M"),
        ]
        for row in AccessLog.objects.filter(person_id=person.pk)
        .values("action")
        .annotate(n=Count("pk"), last=Max("at"))
        .order_by("action")
    ]
    return file_number(person, current), [sections[s.key] for s in SECTIONS if s.key in sections]


def casefile_html(person: Person, record_types, *, reveal: bool, reader) -> str:
    number, sections = casefile_sections(person, record_types, reveal=reveal)
    return render_to_string(
        "caseload/casefile_pdf.html",
        {
            "person": person,
            "number": number,
            "sections": sections,
            "reader": _user(reader),
            "printed_at": timezone.localtime(),
            "reveal": reveal,
        },
    )


def casefile_pdf(person: Person, record_types, *, reveal: bool, reader) -> bytes:
    from weasyprint import HTML

    return HTML(string=casefile_html(person, record_types, reveal=reveal, reader=reader)).write_pdf()


# -- a township's files at once


def archive_persons(user, township):
    """The persons of the township the user may read: their current order is executed there."""
    from permissions.selectors import visible_persons

    current = Episode.objects.filter(township=township).values("person_id")
    return visible_persons(user).filter(pk__in=current).order_by("name", "pk")


def archive_request(*, township, request, reason: str) -> CaseFileArchive:
    """Record the request with the persons it covers, log the export of each (now, while the
    request says who and from where); the page queues the task that builds the zip."""
    from permissions.services import access_log_write

    user = request.user
    ids = list(archive_persons(user, township).values_list("pk", flat=True))
    access_log_write(
        request=request,
        person_ids=ids,
        action=AccessLog.Action.EXPORT,
        record_types=["casefile"],
        reason=reason,
    )
    archive = CaseFileArchive.objects.create(
        township=township, requested_by=user, reason=reason, person_ids=ids, total=len(ids)
    )
    return archive


def archive_build(archive_id: int, *, progress_every: int = 5) -> CaseFileArchive:
    """Render every person's file into one zip, saving the progress as it goes."""
    from permissions.gate import person_gate

    archive = CaseFileArchive.objects.select_related("requested_by", "township").get(pk=archive_id)
    archive.status = CaseFileArchive.Status.RUNNING
    archive.save(update_fields=["status"])
    buffer = io.BytesIO()
    try:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            for done, person_id in enumerate(archive.person_ids, start=1):
                try:
                    gate = person_gate(archive.requested_by, person_id)
                except Exception:  # no longer visible to the requester: left out
                    continue
                number = file_number(gate.person, None)
                pdf = casefile_pdf(gate.person, gate.record_types, reveal=False, reader=archive.requested_by)
                bundle.writestr(f"{number}-{gate.person.name}.pdf", pdf)
                if done % progress_every == 0:
                    CaseFileArchive.objects.filter(pk=archive.pk).update(done=done)
        archive.file.save(
            f"casefiles-{archive.township.code}-{archive.pk}.zip", ContentFile(buffer.getvalue()), save=False
        )
        archive.done = archive.total
        archive.status = CaseFileArchive.Status.DONE
    except Exception as exc:
        archive.status = CaseFileArchive.Status.FAILED
        archive.error = str(exc)[:300]
    archive.finished_at = timezone.now()
    archive.save(update_fields=["file", "done", "status", "error", "finished_at"])
    return archive
