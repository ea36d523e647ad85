"""Pulumi program: one SenderDomain per entry of `dms:domains` (see README for every key)."""

from dms_component.program import main

main()
