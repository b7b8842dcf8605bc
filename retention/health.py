"""What /healthz/ says about the nightly redaction: registered by RetentionConfig.ready()."""

from __future__ import annotations


def redaction_warning() -> str | None:
    """The nightly redaction's last run, when a step of it failed."""
    from retention.services import last_run

    try:
        run = last_run()
    except Exception:  # noqa: BLE001 - a down cache is reported by the broker check
        return None
    if not run or not run.get("failed"):
        return None
    steps = "; ".join(f"{label}: {error}" for label, error in run["failed"].items())
    return f"redaction of {run['finished_at']} failed in {steps}"
