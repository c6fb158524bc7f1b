"""People: the accounts holding roles at an office's units, and what an office may change about them.

Reads (`people_of`, `person_or_404`, `memberships_in_reach`, `person_changes`) are scoped to the units
where the user acts as a coordination office (`communes.access.people_reach_q`); writes check
`access.may_grant_at` (a role) or `access.may_manage_person` (the account) and record an `AccountChange`
in the same transaction: who, when, what.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from communes import access
from communes.models import AdministrativeUnit, Membership, Profile, Role, UnitLevel
from communes.services import membership_grant
from core import outbox
from core.db import model_update
from core.errors import ApplicationError, ConflictError

from .models import AccountChange, ChangeKind
from .tasks import send_set_password_link

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

PERSON_FIELDS = ("first_name", "last_name", "email")
ROLE_FIELDS = ("position", "department", "valid_from", "valid_until")


# --- Reads ------------------------------------------------------------------------------------------


def _reach_memberships(user: User | AnonymousUser) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(access.people_reach_q(user, prefix=""))
        .select_related("unit")
        .order_by("unit__path", "role")
    )


def people_of(
    user: User | AnonymousUser,
    *,
    unit: AdministrativeUnit | None = None,
    role: str = "",
    query: str = "",
    with_ended: bool = True,
) -> QuerySet[User]:
    """The accounts holding a role (now, before or from a later day) at the office's units or below, by
    name; each with `reach_memberships`, its roles there. Filtered by a unit (and below), a role, or a
    name, username or email containing `query`; without `with_ended`, only roles not ended by today."""
    memberships = _reach_memberships(user)
    people = get_user_model().objects.filter(access.people_reach_q(user))
    if not with_ended:
        today = timezone.localdate()
        memberships = memberships.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        people = people.filter(
            Q(memberships__valid_until__isnull=True) | Q(memberships__valid_until__gte=today),
            access.people_reach_q(user),
        )
    if unit is not None:
        memberships = memberships.filter(unit__path__startswith=unit.path)
        people = people.filter(memberships__unit__path__startswith=unit.path)
    if role:
        memberships = memberships.filter(role=role)
        people = people.filter(memberships__role=role)
    if query:
        people = people.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
    return (
        people.distinct()
        .select_related("profile")
        .prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="reach_memberships"))
        .order_by("last_name", "first_name", "username")
    )


def person_or_404(user: User | AnonymousUser, pk: int) -> User:
    """A person the office sees; anyone else (roles only elsewhere, or no such account) is a 404."""
    person = people_of(user).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def memberships_in_reach(user: User | AnonymousUser, person: User) -> list[Membership]:
    return list(_reach_memberships(user).filter(user=person))


def membership_or_404(user: User | AnonymousUser, person: User, pk: int) -> Membership:
    membership = _reach_memberships(user).filter(user=person, pk=pk).first()
    if membership is None:
        raise Http404
    return membership


def may_manage(user: User | AnonymousUser, person: User) -> bool:
    """Whether the office may change the account itself (see `access.may_manage_person`); never its own,
    never a superuser's or a staff member's."""
    if person.pk == user.pk or person.is_superuser or person.is_staff:
        return False
    return access.may_manage_person(user, person.memberships.select_related("unit"))


def grantable_units(user: User | AnonymousUser) -> QuerySet[AdministrativeUnit]:
    """The units in force today at which the office may give a role (`access.may_grant_at`)."""
    today = timezone.localdate()
    reach = Q(pk__in=[])
    for office in access.units_with_role(user, Role.OFFICE):
        reach |= Q(path__startswith=office.path) & ~Q(pk=office.pk)
        if access.may_grant_at(user, office):
            reach |= Q(pk=office.pk)
    return AdministrativeUnit.objects.valid_on(today).filter(reach).exclude(level=UnitLevel.VILLAGE).order_by("path")


def person_changes(user: User | AnonymousUser, person: User) -> QuerySet[AccountChange]:
    """What offices changed about the person, newest first: the account's own changes and those of its
    roles at the office's units."""
    reach = Q(unit__isnull=True)
    for office in access.units_with_role(user, Role.OFFICE):
        reach |= Q(unit__path__startswith=office.path)
    return person.account_changes.filter(reach).select_related("actor", "unit")


def fingerprint(values: dict[str, Any]) -> str:
    """A short digest of what a form was shown, to detect that somebody else saved in between."""
    text = "|".join(f"{key}={values[key]}" for key in sorted(values))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def person_values(person: User) -> dict[str, Any]:
    profile = getattr(person, "profile", None)
    return {**{f: getattr(person, f) for f in PERSON_FIELDS}, "phone": profile.phone if profile else ""}


def role_values(membership: Membership) -> dict[str, Any]:
    return {f: getattr(membership, f) for f in ROLE_FIELDS}


# --- Writes -----------------------------------------------------------------------------------------


def _record(
    *, person: User, actor: User, kind: str, unit: AdministrativeUnit | None = None, **details: Any
) -> AccountChange:
    plain = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in details.items()}
    return AccountChange.objects.create(person=person, actor=actor, kind=kind, unit=unit, details=plain)


def _check_role(*, actor: User, unit: AdministrativeUnit, role: str, department: str) -> None:
    if not access.may_grant_at(actor, unit):
        raise ApplicationError(
            _("Văn phòng không được giao vai trò tại %(unit)s (ngoài phạm vi quản lý, hoặc ngang cấp, cấp trên).")
            % {"unit": unit.name},
            field="unit",
        )
    if role == Role.COMMUNE_OFFICIAL and unit.level != UnitLevel.COMMUNE:
        raise ApplicationError(_("Vai trò Cán bộ xã chỉ giao tại một xã."), field="unit")
    if role == Role.DEPARTMENT and not department.strip():
        raise ApplicationError(
            _("Vai trò Phòng, ngành cần tên phòng, ngành phụ trách (như trong bộ tiêu chí)."), field="department"
        )


def _check_dates(valid_from: datetime.date | None, valid_until: datetime.date | None) -> None:
    if valid_from and valid_until and valid_until < valid_from:
        raise ApplicationError(_("Ngày kết thúc sớm hơn ngày bắt đầu."), field="valid_until")


def _send_link(*, actor: User, person: User) -> AccountChange:
    change = _record(person=person, actor=actor, kind=ChangeKind.LINK_SENT, email=person.email)
    outbox.enqueue_on_commit(send_set_password_link, [change.pk])
    return change


def _check_email(email: str, *, person: User | None = None) -> None:
    others = get_user_model().objects.filter(email__iexact=email, is_active=True)
    if person is not None:
        others = others.exclude(pk=person.pk)
    if email and others.exists():
        raise ApplicationError(_("Email này đã dùng cho một tài khoản khác."), field="email")


def person_create(
    *,
    actor: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    phone: str = "",
    unit: AdministrativeUnit,
    role: str,
    department: str = "",
    position: str = "",
    valid_from: datetime.date | None = None,
) -> User:
    """A new account with a role at `unit`; it has no password until the person sets one through the link
    mailed to them (queued through the outbox, so a broker outage loses nothing)."""
    _check_role(actor=actor, unit=unit, role=role, department=department)
    _check_email(email)
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(_("Tên đăng nhập này đã có người dùng."), field="username")
    with transaction.atomic():
        person = User.objects.create_user(
            username=username, email=email, first_name=first_name, last_name=last_name, password=None
        )
        Profile.objects.create(user=person, phone=phone)
        _record(person=person, actor=actor, kind=ChangeKind.CREATED, username=username, email=email, phone=phone)
        _grant(
            actor=actor,
            person=person,
            unit=unit,
            role=role,
            department=department,
            position=position,
            valid_from=valid_from,
            valid_until=None,
        )
        if email:
            _send_link(actor=actor, person=person)
    return person


def person_update(*, actor: User, person: User, data: dict[str, Any], seen: str) -> bool:
    """Change the person's name, email or phone; `seen` is the `fingerprint` of what the form showed."""
    if not may_manage(actor, person):
        raise ApplicationError(_("Người này có vai trò ở đơn vị khác: chỉ văn phòng quản lý chung được sửa tài khoản."))
    _check_email(data.get("email", ""), person=person)
    with transaction.atomic():
        person = get_user_model().objects.select_for_update().get(pk=person.pk)
        before = person_values(person)
        if fingerprint(before) != seen:
            raise ConflictError(_("Thông tin của người này vừa được người khác sửa. Hãy xem lại rồi lưu lại."))
        person, _updated = model_update(instance=person, fields=PERSON_FIELDS, data=data)
        Profile.objects.update_or_create(user=person, defaults={"phone": data.get("phone", "")})
        after = person_values(person)
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changed:
            _record(person=person, actor=actor, kind=ChangeKind.DETAILS, changed=changed)
    return bool(changed)


def role_grant(
    *,
    actor: User,
    person: User,
    unit: AdministrativeUnit,
    role: str,
    department: str = "",
    position: str = "",
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> Membership:
    """Give the person a role at `unit` (one the office may give: `access.may_grant_at`)."""
    _check_role(actor=actor, unit=unit, role=role, department=department)
    _check_dates(valid_from, valid_until)
    if Membership.objects.filter(user=person, unit=unit, role=role).exists():
        raise ApplicationError(_("Người này đã có vai trò này tại đơn vị; hãy sửa vai trò đó."), field="role")
    with transaction.atomic():
        return _grant(
            actor=actor,
            person=person,
            unit=unit,
            role=role,
            department=department,
            position=position,
            valid_from=valid_from,
            valid_until=valid_until,
        )


def _grant(
    *,
    actor: User,
    person: User,
    unit: AdministrativeUnit,
    role: str,
    department: str,
    position: str,
    valid_from: datetime.date | None,
    valid_until: datetime.date | None,
) -> Membership:
    dates = {"valid_from": valid_from, "valid_until": valid_until}
    membership = membership_grant(user=person, unit=unit, role=role, department=department, position=position, **dates)
    _record(
        person=person,
        actor=actor,
        kind=ChangeKind.ROLE_GRANTED,
        unit=unit,
        role=role,
        position=position,
        department=department,
        **dates,
    )
    return membership


def role_update(*, actor: User, membership: Membership, data: dict[str, Any], seen: str) -> bool:
    """Change a role's position, department or dates; a new end date ends it (the person then reads what
    the role reached, and acts on nothing). `seen` is the `fingerprint` of what the form showed."""
    _check_role(actor=actor, unit=membership.unit, role=membership.role, department=data.get("department", ""))
    _check_dates(data.get("valid_from"), data.get("valid_until"))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("unit", "user").get(pk=membership.pk)
        before = role_values(membership)
        if fingerprint(before) != seen:
            raise ConflictError(_("Vai trò này vừa được người khác sửa. Hãy xem lại rồi lưu lại."))
        membership, updated = model_update(instance=membership, fields=ROLE_FIELDS, data=data)
        if updated:
            after = role_values(membership)
            changed = {k: [_plain(before[k]), _plain(after[k])] for k in after if before[k] != after[k]}
            ended = before["valid_until"] is None and after["valid_until"] is not None
            _record(
                person=membership.user,
                actor=actor,
                kind=ChangeKind.ROLE_ENDED if ended else ChangeKind.ROLE_CHANGED,
                unit=membership.unit,
                role=membership.role,
                changed=changed,
            )
    return updated


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def person_set_active(*, actor: User, person: User, active: bool) -> bool:
    """Lock (or unlock) the account: a locked person cannot sign in; their roles and records stay."""
    if not may_manage(actor, person):
        raise ApplicationError(
            _(
                "Văn phòng không được khóa hoặc mở tài khoản này "
                "(tài khoản của mình, hoặc người có vai trò ở đơn vị khác)."
            )
        )
    with transaction.atomic():
        updated = get_user_model().objects.filter(pk=person.pk).exclude(is_active=active).update(is_active=active)
        if updated:
            _record(person=person, actor=actor, kind=ChangeKind.REACTIVATED if active else ChangeKind.DEACTIVATED)
    return bool(updated)


def person_send_link(*, actor: User, person: User) -> AccountChange:
    """Mail the person a new set-password link (the old ones stop working once a password is set)."""
    if not may_manage(actor, person):
        raise ApplicationError(_("Văn phòng không được gửi liên kết đặt mật khẩu cho tài khoản này."))
    if not person.is_active:
        raise ApplicationError(_("Tài khoản đang bị khóa: hãy mở khóa trước khi gửi liên kết."))
    if not person.email:
        raise ApplicationError(_("Tài khoản chưa có email: hãy bổ sung email trước."))
    with transaction.atomic():
        return _send_link(actor=actor, person=person)
