"""The `dms` package's plugin entry point, as a Python language host runs it (`runtime: python`)."""

from dms_component.package.provider import main

main()
