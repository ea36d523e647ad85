"""`python -m dms_component.package <engine address>`: what the `pulumi-resource-dms` plugin runs."""

from dms_component.package.provider import main

main()
