"""Registers the bench's file SMS backend with hotline.messaging when Django starts."""

from django.apps import AppConfig


class BenchLoadConfig(AppConfig):
    name = "bench._load"
    label = "bench_load"
    verbose_name = "Load benchmark support"

    def ready(self) -> None:
        from bench._load.sms import FileBackend
        from hotline import messaging

        messaging.BACKENDS[FileBackend.name] = FileBackend
