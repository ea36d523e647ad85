"""The dms-sender-domains policy pack: quota and triggered/batch separation (see docs/rules.md)."""

# The pack's Python has this project installed (as it has pulumi-policy): docs/rules.md.
from dms_component.policy_pack import build_pack

build_pack()
