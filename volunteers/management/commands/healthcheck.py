"""`manage.py healthcheck`: the same checks as /healthz/, for container and systemd probes."""

import json

from django.core.management.base import BaseCommand, CommandError

from config.health import health_report


class Command(BaseCommand):
    help = "Check the database and the broker; exit non-zero when either is down."

    def handle(self, *args, **options):
        report = health_report()
        self.stdout.write(json.dumps(report.as_dict()))
        if not report.healthy:
            raise CommandError("unhealthy: " + ", ".join(f"{k}={v}" for k, v in report.checks.items()))
