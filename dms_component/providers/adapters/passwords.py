"""SMTP passwords made for a sender address: random (the `secrets` module), meeting the service's rule.

The rule is core/senders.py's (10 to 20 characters, at least two different digits, a lower-case and an
upper-case letter); a generated password is 20 characters of letters and digits, so it needs no quoting in
any SMTP client's settings, and it is checked against the rule before it is returned.
"""

from __future__ import annotations

import secrets
import string

from dms_component.core.senders import PASSWORD_MAX, password_problem

LENGTH = PASSWORD_MAX
_ALPHABET = string.ascii_letters + string.digits


def generate_password(length: int = LENGTH) -> str:
    """A random password of `length` letters and digits that meets the service's rule."""
    while True:
        password = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if password_problem(password) is None:  # some 5 draws in 100 miss a digit or a case: draw again
            return password
