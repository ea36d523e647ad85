"""The dms-sender-domains policy pack: quota and triggered/batch separation (see docs/rules.md)."""

import sys
from pathlib import Path

# From a checkout the project's packages sit beside this folder; an installed project needs no path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dms_component.policy_pack import build_pack

build_pack()
