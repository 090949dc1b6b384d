"""Accounts: users, role assignments, sign-in and second factors.

Every function that writes is atomic and records an audit entry. The sign-in checks
(`login_with_password`, `is_throttled`) live here too because they record failures.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from madrasa.core.audit import record_event
from madrasa.core.errors import DomainError, InvalidInput, PermissionDenied

from .models import LoginFailure, RoleAssignment, User
from .roles import SCOPE_FIELD, SCOPE_FIELDS, Role
from .selectors import get_actor

__all__ = [
    "LoginRefused",
    "LoginResult",
    "assign_role",
    "create_user",
    "disable_user",
    "enrol_totp_device",
    "login_with_password",
    "record_login_failure",
    "record_login_success",
    "record_logout",
    "revoke_role",
    "verify_second_factor",
]


SCOPE_LABELS = {
    None: gettext_lazy("none (national)"),
    "region": pgettext_lazy("scope kind", "region"),
    "province": pgettext_lazy("scope kind", "prefecture or province"),
    "school": pgettext_lazy("scope kind", "school"),
    "student": pgettext_lazy("scope kind", "pupil"),
}


class LoginRefused(DomainError):
    code = "login_refused"
    http_status = 401


@transaction.atomic
def create_user(
    *,
    actor: Any,
    username: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    check_password: bool = True,
) -> User:
    username = username.strip()
    if not username:
        raise InvalidInput(_("A username is required."))
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(
            _("The username %(username)s is already taken.") % {"username": username}
        )
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    if password is None:
        user.set_unusable_password()
    else:
        if check_password:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise InvalidInput(" ".join(exc.messages)) from None
        user.set_password(password)
    user.save()
    record_event(actor=actor, action="user.create", object_type="user", object_id=user.uuid)
    return user


def _scope_object_id(scope: Model | None) -> int | None:
    return None if scope is None else int(scope.pk)


@transaction.atomic
def assign_role(
    *,
    actor: Any,
    user: User,
    role: Role,
    region: Model | None = None,
    province: Model | None = None,
    school: Model | None = None,
    student: Model | None = None,
) -> RoleAssignment:
    """Give `user` the `role` over one scope. Idempotent: an existing assignment is re-activated."""
    given = {"region": region, "province": province, "school": school, "student": student}
    needed = SCOPE_FIELD[role]
    for field_name in SCOPE_FIELDS:
        if (given[field_name] is not None) != (field_name == needed):
            raise InvalidInput(
                _("The role %(role)s needs a scope of kind %(kind)s.")
                % {"role": role.label, "kind": SCOPE_LABELS[needed]}
            )
    scope_ids = {f"{name}_id": _scope_object_id(obj) for name, obj in given.items()}
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, **scope_ids, defaults={"is_active": True}
    )
    if not created and not assignment.is_active:
        assignment.is_active = True
        assignment.save(update_fields=["is_active"])
    record_event(
        actor=actor,
        action="role.assign",
        object_type="user",
        object_id=user.uuid,
        data={"role": role.value, **{k: v for k, v in scope_ids.items() if v is not None}},
    )
    return assignment


@transaction.atomic
def revoke_role(*, actor: Any, assignment: RoleAssignment) -> RoleAssignment:
    """End a role assignment; it takes effect on the user's next request."""
    assignment.is_active = False
    assignment.save(update_fields=["is_active"])
    record_event(
        actor=actor,
        action="role.revoke",
        object_type="user",
        object_id=assignment.user.uuid,
        data={"role": assignment.role, "assignment": assignment.pk},
    )
    return assignment


@transaction.atomic
def disable_user(*, actor: Any, user: User) -> User:
    """Disable an account and end every one of its sessions at once."""
    user.is_active = False
    user.session_version += 1
    user.save(update_fields=["is_active", "session_version"])
    record_event(actor=actor, action="user.disable", object_type="user", object_id=user.uuid)
    return user


# --- Sign-in -------------------------------------------------------------------------------------
def account_key(username: str) -> str:
    """Failures are counted per account without storing what was typed as a username."""
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()


def _window_start() -> datetime:
    return datetime.now(tz=UTC) - timedelta(seconds=settings.MADRASA_LOGIN_WINDOW_SECONDS)


def is_throttled(*, username: str, ip_address: str | None) -> bool:
    since = _window_start()
    recent = LoginFailure.objects.filter(created_at__gte=since)
    if (
        recent.filter(account_key=account_key(username)).count()
        >= settings.MADRASA_LOGIN_MAX_FAILURES_PER_ACCOUNT
    ):
        return True
    return bool(
        ip_address is not None
        and recent.filter(ip_address=ip_address).count()
        >= settings.MADRASA_LOGIN_MAX_FAILURES_PER_ADDRESS
    )


@transaction.atomic
def record_login_failure(*, username: str, ip_address: str | None, reason: str) -> None:
    now = datetime.now(tz=UTC)
    LoginFailure.objects.filter(created_at__lt=_window_start()).delete()
    LoginFailure.objects.create(
        created_at=now, account_key=account_key(username), ip_address=ip_address
    )
    record_event(
        actor=None,
        action="login.fail",
        object_type="account",
        object_id=account_key(username)[:16],
        data={"reason": reason},
    )


def needs_second_factor(user: User) -> bool:
    return bool(settings.MADRASA_REQUIRE_MFA and get_actor(user).is_staff_role)


@dataclass(frozen=True)
class LoginResult:
    user: User
    needs_second_factor: bool


def generic_refusal() -> LoginRefused:
    return LoginRefused(_("The username or password is incorrect, or the account is locked."))


def login_with_password(*, username: str, password: str, ip_address: str | None) -> LoginResult:
    """Check a username and password. Refusals say the same thing whatever went wrong."""
    if is_throttled(username=username, ip_address=ip_address):
        record_login_failure(username=username, ip_address=ip_address, reason="throttled")
        minutes = settings.MADRASA_LOGIN_WINDOW_SECONDS // 60
        raise LoginRefused(
            ngettext(
                "Too many failed attempts. Wait %(minutes)d minute and try again.",
                "Too many failed attempts. Wait %(minutes)d minutes and try again.",
                minutes,
            )
            % {"minutes": minutes},
            code="login_throttled",
        )
    user = authenticate(username=username, password=password)
    if not isinstance(user, User):
        record_login_failure(username=username, ip_address=ip_address, reason="credentials")
        raise generic_refusal()
    if not get_actor(user).uses_pages:
        record_login_failure(username=username, ip_address=ip_address, reason="no_page_role")
        raise LoginRefused(
            _("This account is an API client and cannot sign in to the web interface."),
            code="api_client",
        )
    needs_otp = needs_second_factor(user)
    if needs_otp and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        record_login_failure(username=username, ip_address=ip_address, reason="no_second_factor")
        raise LoginRefused(
            _(
                "Your role requires a second factor (an authenticator app) and none is set up. "
                "Ask your administrator to enrol one."
            ),
            code="second_factor_missing",
        )
    return LoginResult(user=user, needs_second_factor=needs_otp)


def verify_second_factor(*, user: User, token: str, ip_address: str | None) -> TOTPDevice:
    """Check a TOTP code for `user`; failures count towards the same throttle."""
    if is_throttled(username=user.get_username(), ip_address=ip_address):
        raise generic_refusal()
    token = token.strip().replace(" ", "")
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if token.isdigit() and device.verify_token(token):
            return device
    record_login_failure(username=user.get_username(), ip_address=ip_address, reason="otp")
    raise LoginRefused(_("The code is incorrect or has expired."), code="otp_invalid")


@transaction.atomic
def record_login_success(*, user: User, second_factor: bool) -> None:
    LoginFailure.objects.filter(account_key=account_key(user.get_username())).delete()
    record_event(
        actor=user,
        action="login.success",
        object_type="user",
        object_id=user.uuid,
        data={"second_factor": second_factor},
    )


def record_logout(*, user: User) -> None:
    record_event(actor=user, action="logout", object_type="user", object_id=user.uuid)


@transaction.atomic
def enrol_totp_device(*, actor: Any, user: User, name: str = "authenticator") -> TOTPDevice:
    """Create a confirmed TOTP device for `user` (done by an administrator, out of band)."""
    if not user.is_active:
        raise PermissionDenied(_("This account is disabled."))
    device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
    record_event(actor=actor, action="mfa.enrol", object_type="user", object_id=user.uuid)
    return device
