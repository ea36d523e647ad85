"""adapters/passwords.py: a generated SMTP password meets the service's rule, and is not the same twice."""

from __future__ import annotations

import string

import pytest

from dms_component.core.senders import PASSWORD_MAX, PASSWORD_MIN, password_problem
from dms_component.providers.adapters.passwords import generate_password


def test_every_generated_password_meets_the_rule() -> None:
    passwords = [generate_password() for _ in range(2000)]
    assert all(password_problem(p) is None for p in passwords)
    assert all(len(p) == PASSWORD_MAX and set(p) <= set(string.ascii_letters + string.digits) for p in passwords)
    assert len(set(passwords)) == len(passwords)


@pytest.mark.parametrize("length", [PASSWORD_MIN, 15])
def test_a_shorter_password_still_meets_the_rule(length: int) -> None:
    for _ in range(200):
        password = generate_password(length)
        assert len(password) == length and password_problem(password) is None
