"""PINs printed on a candidate's notice, as an alternative to the birth date on results day.
Only a keyed hash is stored (HMAC-SHA256 under the site's secret key, salted per national code):
a leaked table does not give the PINs, and changing the secret key retires every PIN."""

from __future__ import annotations

from django.utils.crypto import salted_hmac

__all__ = ["hash_pin"]


def hash_pin(national_code: str, pin: str) -> str:
    value = f"{national_code.strip().upper()}:{pin.strip()}"
    return salted_hmac("madrasa.results.pin", value, algorithm="sha256").hexdigest()
