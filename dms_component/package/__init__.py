"""The `dms` Pulumi package: SenderDomain for YAML, TypeScript and every other Pulumi language.

types.py holds its inputs (the schema), component.py turns them into the Python API's args,
provider.py serves it (`python -m dms_component.package`, run by scripts/pulumi-resource-dms).
"""
