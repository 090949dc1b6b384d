"""T10: authentication and sessions."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, World
from madrasa.accounts.roles import STAFF_ROLES, Role
from madrasa.accounts.services import disable_user, enrol_totp_device
from madrasa.core.models import AuditEvent

LOGIN = "/accounts/login/"


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> int:
    response = client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)
    return int(response.status_code)


def test_a_parent_signs_in_and_the_session_id_rotates(world: World) -> None:
    client = Client()
    client.get(LOGIN)
    before = client.cookies.get("sessionid")
    assert _login(client, "parent.user", PASSWORD) == 302
    after = client.cookies["sessionid"].value
    assert before is None or before.value != after
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="login.success").count() == 1


def test_wrong_password_and_unknown_user_get_the_same_generic_answer(world: World) -> None:
    wrong = Client().post(LOGIN, {"username": "parent.user", "password": "nope-nope-nope"})
    unknown = Client().post(LOGIN, {"username": "no.such.user", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.context["error"] == unknown.context["error"]


def test_it_locks_an_account_after_ten_failures_without_touching_others(world: World) -> None:
    client = Client()
    for i in range(10):
        assert _login(client, "parent.user", f"wrong-{i}", ip=f"10.1.0.{i}") == 401
    # the right password is refused now, from any address
    assert _login(client, "parent.user", PASSWORD, ip="10.9.9.9") == 429
    # another account is not affected
    assert _login(Client(), "pupil.user", PASSWORD, ip="10.9.9.9") == 302


@override_settings(MADRASA_LOGIN_MAX_FAILURES_PER_ADDRESS=20)
def test_it_throttles_an_address_that_guesses_many_accounts(world: World) -> None:
    client = Client()
    for i in range(20):
        _login(client, f"someone{i}", "wrong-password", ip="10.2.0.1")
    assert _login(client, "pupil.user", PASSWORD, ip="10.2.0.1") == 429
    assert _login(Client(), "pupil.user", PASSWORD, ip="10.2.0.2") == 302


@override_settings(MADRASA_REQUIRE_MFA=True)
@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_staff_roles_refuse_a_password_only_login(world: World, role: Role) -> None:
    # given no authenticator: refused outright
    client = Client()
    response = client.post(LOGIN, {"username": f"{role.value}.user", "password": PASSWORD})
    assert response.status_code == 401
    assert client.get("/").status_code == 302
    # given an authenticator: the password alone leads to the code step, not into the site
    device = enrol_totp_device(actor=None, user=world.users[role])
    response = client.post(LOGIN, {"username": f"{role.value}.user", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/otp/")
    assert client.get("/").status_code == 302
    # a wrong code is refused, the right one signs in
    assert client.post("/accounts/login/otp/", {"token": "000000"}).status_code == 401
    device.refresh_from_db()
    device.throttle_reset()  # django-otp delays the next try after a failure; skip the wait
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post("/accounts/login/otp/", {"token": code}).status_code == 302
    assert client.get("/").status_code == 200


@override_settings(MADRASA_REQUIRE_MFA=True)
def test_families_sign_in_with_a_password_even_when_staff_need_mfa(world: World) -> None:
    assert _login(Client(), "parent.user", PASSWORD) == 302
    assert not TOTPDevice.objects.exists()


@override_settings(MADRASA_REQUIRE_MFA=True)
def test_a_staff_session_without_a_verified_factor_is_ended(world: World) -> None:
    client = world.client(Role.DIRECTOR)  # force_login: no second factor on the session
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_an_agency_account_cannot_sign_in_to_pages(world: World) -> None:
    response = Client().post(LOGIN, {"username": "agency.user", "password": PASSWORD})
    assert response.status_code == 401


def test_after_logout_the_old_cookie_gives_401(world: World) -> None:
    client = Client()
    assert _login(client, "parent.user", PASSWORD) == 302
    old_cookie = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    stale = Client()
    stale.cookies["sessionid"] = old_cookie
    assert stale.get("/api/v1/me").status_code == 401
    assert stale.get("/").status_code == 302


def test_disabling_a_user_ends_every_session(world: World) -> None:
    first, second = Client(), Client()
    assert _login(first, "teacher.user", PASSWORD) == 302
    assert _login(second, "teacher.user", PASSWORD, ip="10.0.0.2") == 302
    disable_user(actor=None, user=world.users[Role.TEACHER])
    assert first.get("/api/v1/me").status_code == 401
    assert second.get("/").status_code == 302


def test_an_idle_session_expires(world: World) -> None:
    import time_machine

    with time_machine.travel("2026-11-24 08:00:00Z", tick=False) as traveller:
        client = Client()
        assert _login(client, "parent.user", PASSWORD) == 302
        assert client.get("/").status_code == 200
        traveller.shift(29 * 60)
        assert client.get("/").status_code == 200
        traveller.shift(31 * 60)
        assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short1!", False),  # under 8 characters
        ("password123", False),  # on the common-passwords list
        ("12345678901", False),  # numbers only
        ("tajine-au-citron", True),
        ("x" * 30 + "-long-passphrase-of-64-characters-is-fine!", True),
    ],
)
def test_password_rules(password: str, accepted: bool) -> None:
    assert len("x" * 30 + "-long-passphrase-of-64-characters-is-fine!") <= 128
    try:
        validate_password(password)
    except ValidationError:
        assert not accepted
    else:
        assert accepted


def test_a_64_character_password_signs_in(world: World) -> None:
    from madrasa.accounts.services import create_user

    long_password = "Une phrase de passe assez longue pour tenir soixante-quatre car."
    assert len(long_password) == 64
    create_user(actor=None, username="long.pass", password=long_password)
    from madrasa.accounts.models import User
    from madrasa.accounts.services import assign_role

    assign_role(actor=None, user=User.objects.get(username="long.pass"), role=Role.MINISTRY)
    assert _login(Client(), "long.pass", long_password) == 302


def test_a_session_ends_after_eight_hours_even_when_used(world: World) -> None:
    import time_machine

    with time_machine.travel("2026-11-24 08:00:00Z", tick=False) as traveller:
        client = Client()
        assert _login(client, "parent.user", PASSWORD) == 302
        for _ in range(16):  # a request every 29 minutes keeps the idle timer happy
            traveller.shift(29 * 60)
            assert client.get("/").status_code == 200
        traveller.shift(29 * 60)  # 8 h 13 min after sign-in
        assert client.get("/").status_code == 302


@override_settings(MADRASA_TRUST_X_FORWARDED_FOR=True)
def test_behind_a_trusted_proxy_the_client_address_is_the_first_hop(world: World) -> None:
    Client().post(
        LOGIN,
        {"username": "nobody", "password": "wrong-password"},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="198.51.100.9, 10.0.0.254",
    )
    assert AuditEvent.objects.get(action="login.fail").ip_address == "198.51.100.9"


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(world: World) -> None:
    Client().post(
        LOGIN,
        {"username": "nobody", "password": "wrong-password"},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    assert AuditEvent.objects.get(action="login.fail").ip_address == "10.0.0.254"
