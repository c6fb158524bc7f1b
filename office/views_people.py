"""The office's pages about people: who holds which role at its units, adding and changing them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from communes import access
from communes.models import AdministrativeUnit, UnitLevel
from core.errors import ApplicationError, ConflictError
from core.names import person_name

from . import people
from .forms import ActiveForm, PeopleFilterForm, PersonAddForm, PersonEditForm, RoleAddForm, RoleEditForm


def _refused(form, error):
    """Show a service's refusal on its field (else above the form); the form keeps what was typed."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _render_form(request, form, *, title, person=None, status=None):
    context = {"form": form, "title": title, "person": person}
    return render(request, "office/person_form.html", context, status=status or (400 if form.errors else 200))


@login_required
@require_GET
def office_home(request):
    """The office's tools, one page: people, enrolments, deadlines, imports."""
    units = access.office_units(request.user)
    context = {
        "units": units,
        "people_count": people.people_of(request.user, with_ended=False).count(),
        "province_office": any(u.level == UnitLevel.PROVINCE and u.parent_id is None for u in units),
    }
    return render(request, "office/home.html", context)


@login_required
@require_GET
def person_list(request):
    access.office_units(request.user)
    filters = PeopleFilterForm(request.GET)
    filters.is_valid()
    data = filters.cleaned_data
    unit = None
    if data.get("unit"):
        unit = AdministrativeUnit.objects.by_code(data["unit"])
        if unit is None or not access.roles_at(request.user, unit):
            unit = None
            filters.add_error("unit", _("Không có đơn vị mã này trong phạm vi của văn phòng."))
    found = people.people_of(
        request.user,
        unit=unit,
        role=data.get("role", ""),
        query=data.get("q", ""),
        with_ended=bool(data.get("ended")),
    )
    if filters.errors:
        found = found.none()
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    page_query = request.GET.copy()
    page_query.pop("page", None)
    context = {"page": page, "filters": filters, "page_query": page_query.urlencode()}
    return render(request, "office/person_list.html", context)


@login_required
def person_add(request):
    access.office_units(request.user)
    units = people.grantable_units(request.user)
    form = PersonAddForm(
        request.POST if request.method == "POST" else None, units=units, initial={"unit": request.GET.get("unit")}
    )
    if form.is_bound and form.is_valid():
        try:
            person = people.person_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            _refused(form, error)
        else:
            messages.success(
                request,
                _("Đã thêm %(name)s; liên kết đặt mật khẩu đã được gửi tới %(email)s.")
                % {"name": person_name(person), "email": person.email},
            )
            return redirect("office:person_detail", pk=person.pk)
    return _render_form(request, form, title=_("Thêm người dùng"))


@login_required
@require_GET
def person_detail(request, pk):
    access.office_units(request.user)
    person = people.person_or_404(request.user, pk)
    return render(request, "office/person_detail.html", _person_context(request, person))


def _person_context(request, person):
    return {
        "person": person,
        "memberships": people.memberships_in_reach(request.user, person),
        "may_manage": people.may_manage(request.user, person),
        "changes": people.person_changes(request.user, person),
    }


@login_required
def person_edit(request, pk):
    access.office_units(request.user)
    person = people.person_or_404(request.user, pk)
    current = people.person_values(person)
    form = PersonEditForm(
        request.POST if request.method == "POST" else None, initial={**current, "seen": people.fingerprint(current)}
    )
    return _edit_page(
        request,
        form=form,
        save=lambda data, seen: people.person_update(actor=request.user, person=person, data=data, seen=seen),
        title=_("Sửa thông tin liên hệ"),
        person=person,
        done=_("Đã lưu thông tin của %(name)s.") % {"name": person_name(person)},
    )


def _edit_page(request, *, form, save, title, person, done):
    """An edit form of what was shown with a fingerprint (`seen`): saved → the person's page; refused → the
    form again (409 when somebody else saved in between, the change not applied)."""
    if form.is_bound and form.is_valid():
        data = dict(form.cleaned_data)
        seen = data.pop("seen")
        try:
            save(data, seen)
        except ConflictError as error:
            _refused(form, error)
            return _render_form(request, form, title=title, person=person, status=409)
        except ApplicationError as error:
            _refused(form, error)
        else:
            messages.success(request, done)
            return redirect("office:person_detail", pk=person.pk)
    return _render_form(request, form, title=title, person=person)


@login_required
def role_add(request, pk):
    access.office_units(request.user)
    person = people.person_or_404(request.user, pk)
    form = RoleAddForm(request.POST if request.method == "POST" else None, units=people.grantable_units(request.user))
    if form.is_bound and form.is_valid():
        try:
            people.role_grant(actor=request.user, person=person, **form.cleaned_data)
        except ApplicationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Đã giao vai trò."))
            return redirect("office:person_detail", pk=person.pk)
    return _render_form(request, form, title=_("Giao thêm vai trò"), person=person)


@login_required
def role_edit(request, pk, membership):
    access.office_units(request.user)
    person = people.person_or_404(request.user, pk)
    membership = people.membership_or_404(request.user, person, membership)
    current = people.role_values(membership)
    form = RoleEditForm(
        request.POST if request.method == "POST" else None, initial={**current, "seen": people.fingerprint(current)}
    )
    return _edit_page(
        request,
        form=form,
        save=lambda data, seen: people.role_update(actor=request.user, membership=membership, data=data, seen=seen),
        title=_("Sửa vai trò %(role)s tại %(unit)s") % {"role": membership.title, "unit": membership.unit.name},
        person=person,
        done=_("Đã lưu vai trò."),
    )


@login_required
@require_POST
def person_active(request, pk):
    access.office_units(request.user)
    person = people.person_or_404(request.user, pk)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        return _person_page_with_error(request, person, _("Không rõ thao tác: khóa hay mở tài khoản."))
    try:
        people.person_set_active(actor=request.user, person=person, active=form.cleaned_data["active"])
    except ApplicationError as error:
        return _person_page_with_error(request, person, error.message, status=403)
    done = _("Đã mở khóa tài khoản.") if form.cleaned_data["active"] else _("Đã khóa tài khoản.")
    messages.success(request, done)
    return redirect("office:person_detail", pk=person.pk)


@login_required
@require_POST
def person_send_link(request, pk):
    access.office_units(request.user)
    person = people.person_or_404(request.user, pk)
    try:
        people.person_send_link(actor=request.user, person=person)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã gửi liên kết đặt mật khẩu tới %(email)s.") % {"email": person.email})
    return redirect("office:person_detail", pk=person.pk)


def _person_page_with_error(request, person, message, status=400):
    messages.error(request, message)
    return render(request, "office/person_detail.html", _person_context(request, person), status=status)
