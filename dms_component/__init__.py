"""Email sender domains for Tencent Cloud's email service (DMS/SES), as Pulumi infrastructure."""

from dms_component.errors import ConfigError, DmsError

__all__ = ["ConfigError", "DmsError", "SenderDomain"]


def __getattr__(name: str):
    # Lazy: the `dms` CLI and the pure core don't need the Pulumi SDK loaded.
    if name == "SenderDomain":
        from dms_component.component import SenderDomain

        return SenderDomain
    raise AttributeError(name)
