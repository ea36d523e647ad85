"""The `dms` package's provider: Pulumi's component provider (pulumi.provider.experimental) serving SenderDomain
to programs in any language, with a schema inferred from dms_component/package/types.py.

Two things the analyzer can't say are added here: which inputs and outputs are secrets, and that a
mistake in the inputs is one line for the user, not the SDK's traceback of the component's constructor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from typing import Any, get_type_hints

import grpc
import pulumi
from pulumi.provider import ConstructResult
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.util import camel_case
from pulumi.provider.server import ComponentInitError, ProviderServicer
from pulumi.runtime.proto.provider_pb2_grpc import add_ResourceProviderServicer_to_server

from dms_component.account import Program
from dms_component.package import types
from dms_component.package.component import SenderDomain
from dms_component.providers.adapters.dns import TARGETS
from dms_component.providers.adapters.ledger import SETTINGS
from dms_component.version import VERSION

NAME = "dms"
COMPONENTS: list[type[pulumi.ComponentResource]] = [SenderDomain]
SECRET_OUTPUTS = ("dkim_private_key", "smtp_passwords")
# gRPC's own channel arguments, with the values pulumi.provider.main gives its server (the SDK keeps them in a
# private module that older SDKs lack): messages up to 400 MiB, and a queued call waits up to 30 minutes.
GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", 400 * 1024 * 1024),
    ("grpc.server_max_unrequested_time_in_server", 1800),
]


def version() -> str:
    return VERSION  # the distribution's, from one place (dms_component/version.py)


def secret_inputs() -> dict[str, str]:
    """Schema type token -> its secret property: each DNS host's and ledger's credential field, where the
    package offers it, and a sender address's SMTP password."""
    found = {}
    for union, classes in ((types.Dns, TARGETS), (types.Ledger, SETTINGS)):
        for kind, settings in classes.items():
            offered = get_type_hints(union)[kind]
            credential = settings.credential_field
            if credential and credential in offered.__annotations__:
                found[f"{NAME}:index:{offered.__name__}"] = camel_case(credential)
    found[f"{NAME}:index:{types.SenderAddress.__name__}"] = "password"  # a sender address's SMTP password
    return found


def finished(schema: dict[str, Any]) -> dict[str, Any]:
    """The analyzer's schema with the secrets marked and the docstrings' line breaks and indents folded."""
    for token, prop in secret_inputs().items():
        schema["types"][token]["properties"][prop]["secret"] = True
    resource = schema["resources"][f"{NAME}:index:{SenderDomain.__name__}"]
    for output in SECRET_OUTPUTS:
        resource["properties"][camel_case(output)]["secret"] = True
    return _folded(schema)


def _folded(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: " ".join(v.split()) if k == "description" else _folded(v) for k, v in node.items()}
    return [_folded(v) for v in node] if isinstance(node, list) else node


class PackageProvider(ComponentProvider):
    def __init__(self) -> None:
        super().__init__(COMPONENTS, NAME, version=version())
        self.schema = json.dumps(finished(json.loads(self.schema or "{}")))
        # The engine starts this provider for one run of one program: every SenderDomain it constructs there
        # shares the account's rules and the records barrier.
        self.program = Program()

    def construct(
        self, name: str, resource_type: str, inputs: Any, options: pulumi.ResourceOptions | None = None
    ) -> ConstructResult:
        try:
            with self.program.serving():
                return super().construct(name, resource_type, inputs, options)
        except ComponentInitError as exc:
            if isinstance(exc.inner, pulumi.RunError):
                raise exc.inner from None  # ours: one line; the SDK would add the constructor's traceback
            raise


class Servicer(ProviderServicer):
    async def Construct(self, request: Any, context: Any) -> Any:
        try:
            return await super().Construct(request, context)
        except pulumi.RunError as exc:
            # A mistake found now or in an apply (a rule across domains, a value known late): the one line a
            # Python program prints. Passed through, grpc would prefix it with "Unexpected <class ...>".
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))


def main() -> None:
    """pulumi.provider.main, with our Servicer: the engine's address is the first argument."""
    parser = argparse.ArgumentParser(description="the dms package's provider plugin")
    parser.add_argument("engine")
    engine = parser.parse_known_args()[0].engine

    async def serve() -> None:
        server = grpc.aio.server(options=GRPC_OPTIONS)
        add_ResourceProviderServicer_to_server(Servicer(PackageProvider(), sys.argv[1:], engine), server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")  # the engine reads the port from the first line
        sys.stdout.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


__all__ = ["COMPONENTS", "NAME", "PackageProvider", "Servicer", "finished", "main", "secret_inputs"]
