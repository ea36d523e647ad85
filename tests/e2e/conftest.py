"""Route53 on moto's server (tests/support/route53.py), for the Route53 stacks."""

from tests.support.route53 import hosted_zone  # noqa: F401  (a fixture)
