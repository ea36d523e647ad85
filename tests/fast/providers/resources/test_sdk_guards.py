"""The two workarounds for Pulumi SDK internals (providers/resources/sdk.py): in place where the SDK is as we
know it, off with one warning line (code sdk.unknown) where it is not, and nothing where it is not needed."""

from __future__ import annotations

import pickle

import grpc._server
import pulumi
import pulumi.dynamic.dynamic
import pytest

from dms_component.providers.resources import base, sdk, threads


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    said: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", said.append)
    return said


def test_this_sdk_still_nests_pickling_and_the_fix_is_in_place(warnings: list[str]) -> None:
    # At both ends of the range (make sdk-range): the bug is there, so the workaround is needed and on.
    assert base.flat_provider_pickling() is True
    assert getattr(pulumi.dynamic.dynamic.serialize_provider, "flat", False)
    assert warnings == []


def test_an_sdk_without_serialize_provider_gets_one_warning_and_no_fix(
    monkeypatch: pytest.MonkeyPatch, warnings: list[str]
) -> None:
    monkeypatch.delattr(pulumi.dynamic.dynamic, "serialize_provider")

    assert base.flat_provider_pickling() is False
    assert not hasattr(pulumi.dynamic.dynamic, "serialize_provider")
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert warnings[0].startswith(f"{sdk.UNKNOWN_SDK}: pulumi {sdk.sdk_version()} ")
    assert "recursion limit" in warnings[0]


def test_an_sdk_whose_serialize_provider_fails_on_a_bare_provider_gets_one_warning(
    monkeypatch: pytest.MonkeyPatch, warnings: list[str]
) -> None:
    def changed(provider: object, extra: object) -> str:  # another signature than the one we know
        return ""

    monkeypatch.setattr(pulumi.dynamic.dynamic, "serialize_provider", changed)
    original = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]

    assert base.flat_provider_pickling() is False
    assert pulumi.dynamic.dynamic.serialize_provider is changed
    assert pickle._Pickler._batch_setitems is original  # type: ignore[attr-defined]
    assert [w.split(":")[0] for w in warnings] == [sdk.UNKNOWN_SDK]


def test_an_sdk_that_leaves_pickle_as_it_found_it_needs_no_fix(
    monkeypatch: pytest.MonkeyPatch, warnings: list[str]
) -> None:
    def fixed(provider: object) -> str:
        return "serialized"

    monkeypatch.setattr(pulumi.dynamic.dynamic, "serialize_provider", fixed)

    assert base.flat_provider_pickling() is False
    assert pulumi.dynamic.dynamic.serialize_provider is fixed
    assert warnings == []


def test_a_dynamic_host_whose_grpc_server_is_not_found_gets_one_warning(
    monkeypatch: pytest.MonkeyPatch, warnings: list[str]
) -> None:
    monkeypatch.setattr(threads, "in_dynamic_host", lambda: True)
    monkeypatch.delattr(grpc._server, "_ServerState")

    assert threads.widen_dynamic_host() is None
    assert len(warnings) == 1 and warnings[0].startswith(f"{sdk.UNKNOWN_SDK}: ")
    assert "4 calls at once" in warnings[0]


def test_outside_the_dynamic_host_nothing_is_widened_and_nothing_said(warnings: list[str]) -> None:
    assert threads.widen_dynamic_host() is None
    assert warnings == []


def test_the_warning_names_the_range_this_package_declares() -> None:
    assert sdk.tested_range().startswith("pulumi>=3.")
