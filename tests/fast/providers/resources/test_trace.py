"""The provider-call trace bench/breakdown.py reads: one line per call when DMS_TRACE_FILE is set, nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pulumi.dynamic import CreateResult

from dms_component.providers.resources.base import DmsResourceProvider


class ProbeProvider(DmsResourceProvider):
    def create(self, props: dict) -> CreateResult:
        return CreateResult(props["domain"], props)


def test_a_call_is_one_line_with_its_kind_call_and_domain_and_no_input_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("DMS_TRACE_FILE", str(trace))

    result = ProbeProvider().create({"domain": "notify.example.test", "tsig": "s3cr3t-value"})

    assert result.id == "notify.example.test"
    (line,) = trace.read_text().splitlines()
    call = json.loads(line)
    assert (call["kind"], call["call"], call["domain"]) == ("Probe", "create", "notify.example.test")
    assert call["start"] <= call["end"]
    assert "s3cr3t-value" not in line


def test_no_trace_file_no_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DMS_TRACE_FILE", raising=False)
    monkeypatch.chdir(tmp_path)

    ProbeProvider().create({"domain": "notify.example.test"})

    assert list(tmp_path.iterdir()) == []
