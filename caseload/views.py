"""Pages: bring a caseload in (upload, preview, commit) and take case files out (one person's
PDF, a township's zip with its progress). Reads of persons go through `permissions`."""

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from caseload import casefile, tasks
from caseload.checks import caseload_check
from caseload.forms import ArchiveForm, CaseFileForm, UploadForm
from caseload.models import CaseFileArchive, CaseloadImport
from caseload.services import ImportRefused, caseload_import, digest
from caseload.sheet import FileRefused, workbook_read
from caseload.template import template_workbook
from casework.errors import RecordRefused
from casework.models import Agency, Region, Staff
from permissions import selectors
from permissions.gate import person_gate
from permissions.models import AccessLog, RecordType
from permissions.services import access_log_write

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _importer_township(request) -> Region | None:
    """The township a work station imports into; None for an administrator (who chooses); else 404."""
    staff = selectors.staff_for(request.user)
    if staff is not None and staff.agency.kind == Agency.Kind.WORK_STATION:
        return staff.agency.region
    if request.user.is_superuser:
        return None
    raise Http404


def _import_for(request, pk) -> CaseloadImport:
    township = _importer_township(request)
    record = get_object_or_404(CaseloadImport.objects.select_related("township"), pk=pk)
    if township is not None and record.township_id != township.pk:
        raise Http404
    if township is None and record.uploaded_by_id != request.user.pk:
        raise Http404
    return record


def template_download(request):
    township = _importer_township(request)
    if township is None:
        township = get_object_or_404(Region, pk=request.GET.get("township") or 0, level=Region.Level.TOWNSHIP)
    response = HttpResponse(template_workbook(township), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx"
    return response


@require_http_methods(["GET", "POST"])
def import_upload(request):
    township = _importer_township(request)
    form = UploadForm(request.POST or None, request.FILES or None, township=township)
    error = ""
    if request.method == "POST" and form.is_valid():
        target = township or form.cleaned_data["township"]
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            workbook_read(upload.name, content)
        except FileRefused as exc:
            error = str(exc)
        else:
            record = CaseloadImport.objects.create(
                township=target,
                uploaded_by=request.user,
                file_name=upload.name[:200],
                sha256=digest(content),
                content=content,
            )
            return redirect("caseload_preview", record.pk)
    recent = CaseloadImport.objects.select_related("uploaded_by").defer("content")
    recent = recent.filter(township=township) if township else recent.filter(uploaded_by=request.user)
    return render(
        request,
        "caseload/upload.html",
        {
            "form": form,
            "error": error,
            "township": township,
            "townships": Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("path"),
            "recent": list(recent[:10]),
        },
    )


def import_preview(request, pk):
    record = _import_for(request, pk)
    try:
        check = caseload_check(
            township=record.township, file_name=record.file_name, content=bytes(record.content)
        )
    except FileRefused as exc:
        check, error = None, str(exc)
    else:
        error = ""
    return render(request, "caseload/preview.html", {"record": record, "check": check, "error": error})


@require_POST
def import_commit(request, pk):
    record = _import_for(request, pk)
    try:
        result = caseload_import(
            township=record.township,
            actor=request.user,
            file_name=record.file_name,
            content=bytes(record.content),
            record=record,
        )
    except ImportRefused as exc:
        messages.error(request, str(exc))
        return redirect("caseload_preview", record.pk)
    except (FileRefused, RecordRefused) as exc:
        messages.error(request, str(exc))
        return redirect("caseload_upload")
    if result.changed_nothing:
        messages.info(request, _("与已有数据相同，没有任何变化。"))
    else:
        messages.success(
            request,
            _("已导入：新建 %(created)d 人，更新 %(updated)d 人，历史记录 %(history)d 条。")
            % {"created": result.created, "updated": result.updated, "history": result.history},
        )
    return redirect("caseload_upload")


# -- the case file


@require_http_methods(["GET", "POST"])
def casefile_pdf(request, pk):
    """One person's file (卷宗) as an A4 PDF: what the reader's record types allow; full numbers
    only with a reason, logged as a reveal would be."""
    gate = person_gate(request.user, pk)
    form = CaseFileForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        return render(
            request,
            "caseload/casefile_form.html",
            {"person": gate.person, "form": form, "can_reveal": gate.full_identifiers},
        )
    reason = form.cleaned_data["reason"]
    if reason and not gate.full_identifiers:
        raise Http404
    shown = casefile.sections_shown(gate.record_types)
    types = set(shown) | ({RecordType.IDENTIFIERS} if reason else set())
    access_log_write(
        request=request,
        person_ids=[gate.person.pk],
        action=AccessLog.Action.EXPORT,
        record_types=types,
        reason=reason,
    )
    pdf = casefile.casefile_pdf(gate.person, gate.record_types, reveal=bool(reason), reader=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="casefile-{gate.person.pk}.pdf"'
    return response


def _archive_township(request) -> Region:
    """A supervisor of the township (or above it) or the head of its work station; else 404."""
    staff = selectors.staff_for(request.user)
    if staff is None:
        raise Http404
    if staff.agency.kind == Agency.Kind.WORK_STATION and staff.role == Staff.Role.HEAD:
        return staff.agency.region
    if staff.agency.kind == Agency.Kind.DRUG_CONTROL:
        code = request.GET.get("township") or request.POST.get("township")
        if staff.agency.region.level == Region.Level.TOWNSHIP and not code:
            return staff.agency.region
        township = Region.objects.filter(code=code, level=Region.Level.TOWNSHIP).first()
        if township is not None and township.path.startswith(staff.agency.region.path):
            return township
    raise Http404


@require_http_methods(["GET", "POST"])
def archive_page(request):
    staff = selectors.staff_for(request.user)
    chosen = request.GET.get("township") or request.POST.get("township")
    if (
        staff is not None
        and staff.agency.kind == Agency.Kind.DRUG_CONTROL
        and staff.agency.region.level == Region.Level.COUNTY
        and not chosen
    ):
        # A county office makes the files of one township at a time: it chooses which first.
        townships = Region.objects.filter(
            level=Region.Level.TOWNSHIP, path__startswith=staff.agency.region.path
        ).order_by("code")
        return render(
            request, "caseload/archive_choose.html", {"county": staff.agency.region, "townships": townships}
        )
    township = _archive_township(request)
    form = ArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        archive = casefile.archive_request(
            township=township, request=request, reason=form.cleaned_data["reason"]
        )
        transaction.on_commit(lambda: tasks.casefile_archive_build.delay(archive.pk))
        return redirect(f"{request.path}?township={township.code}#archive-{archive.pk}")
    archives = CaseFileArchive.objects.filter(township=township, requested_by=request.user)[:5]
    return render(
        request,
        "caseload/archive.html",
        {"township": township, "form": form, "archives": list(archives)},
    )


def archive_progress(request, pk):
    township = _archive_township(request)
    archive = get_object_or_404(CaseFileArchive, pk=pk, township=township, requested_by=request.user)
    return render(request, "caseload/_archive_row.html", {"archive": archive, "township": township})


def archive_download(request, pk):
    township = _archive_township(request)
    archive = get_object_or_404(
        CaseFileArchive,
        pk=pk,
        township=township,
        requested_by=request.user,
        status=CaseFileArchive.Status.DONE,
    )
    return FileResponse(
        archive.file.open("rb"), as_attachment=True, filename=f"casefiles-{township.code}.zip"
    )
