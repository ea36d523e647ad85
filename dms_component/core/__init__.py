"""The pure core: names, required records, record parsers, the change planner and verdicts. No I/O here.

Installed as `dms_component.core`; nothing here imports the layers above it.
"""
