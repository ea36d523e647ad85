"""Pulumi dynamic providers: they only translate between the engine and the seams.

Classes live in importable modules (not `__main__`) so the provider process can unpickle them.
"""
