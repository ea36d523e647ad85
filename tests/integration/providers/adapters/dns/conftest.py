"""Route53 on moto's server (tests/support/route53.py): a fresh hosted zone per test."""

from tests.support.route53 import call_log, hosted_zone, route53  # noqa: F401  (fixtures)
