"""Imports through the browser (units, criteria sets): the province's top office uploads a file, reads
what it would change or every bad line, then applies it (office.imports). Everyone else: 403; a record
of another province: 404."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communes import access
from core.errors import ApplicationError
from core.uploads import open_or_404

from . import imports
from .forms_imports import IMPORT_FORMS
from .models import ImportKind, ImportRecord, ImportStatus


def _province_office(view):
    """Resolve the user's province (`access.province_office_unit_or_403`) before anything else: anyone
    else gets 403 whatever the method."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return view(request, access.province_office_unit_or_403(request.user), *args, **kwargs)

    return wrapper


def _record(province, pk):
    record = (
        ImportRecord.objects.select_related("unit", "uploaded_by", "applied_by").filter(pk=pk, unit=province).first()
    )
    if record is None:
        raise Http404
    return record


@login_required
@_province_office
@require_GET
def import_list(request, province):
    records = ImportRecord.objects.filter(unit=province).select_related("uploaded_by", "applied_by")[:100]
    return render(request, "office/import_list.html", {"province": province, "records": records, "kinds": ImportKind})


@login_required
@_province_office
@require_http_methods(["GET", "POST"])
def import_new(request, province, kind):
    if kind not in IMPORT_FORMS:
        raise Http404
    form = IMPORT_FORMS[kind](request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = imports.import_upload(
                user=request.user,
                unit=province,
                kind=kind,
                uploaded_file=form.cleaned_data["file"],
                parameters=form.parameters(),
            )
        except ApplicationError as exc:
            form.add_error(exc.field, exc.message)
        else:
            return redirect("office:import_detail", pk=record.pk)
    context = {"form": form, "kind": ImportKind(kind), "province": province}
    return render(request, "office/import_form.html", context, status=400 if form.errors else 200)


@login_required
@_province_office
@require_GET
def import_detail(request, province, pk):
    record = _record(province, pk)
    return render(request, "office/import_detail.html", {"record": record, "statuses": ImportStatus})


@login_required
@_province_office
@require_POST
def import_apply(request, province, pk):
    record = _record(province, pk)
    try:
        record = imports.import_apply(record=record, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if record.status == ImportStatus.APPLIED:
            messages.success(request, _("Đã áp dụng tệp %(name)s.") % {"name": record.original_name})
        else:
            messages.error(
                request, _("Dữ liệu đã thay đổi từ khi xem trước: tệp không còn áp dụng được, chưa có gì thay đổi.")
            )
    return redirect("office:import_detail", pk=record.pk)


@login_required
@_province_office
@require_GET
def import_file(request, province, pk):
    record = _record(province, pk)
    return FileResponse(open_or_404(record.file), as_attachment=True, filename=record.original_name)
