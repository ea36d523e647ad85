"""The one version number: the distribution's (pyproject.toml reads it from here), the `dms` plugin's and its
schema's, the policy pack's, and what `dms --version` prints. CHANGELOG.md says what each one changed."""

VERSION = "0.2.0"
