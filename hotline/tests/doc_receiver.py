"""The example receiver of docs/api.md ("An example receiver"), run as the documentation
shows it: the code block is read from the page, executed as a module, and served on 127.0.0.1
in a thread. The tests that deliver status webhooks to it prove the documented code verifies
the hotline's real signature (and the page cannot drift from the code)."""

from __future__ import annotations

import os
import re
import threading
import types
from contextlib import contextmanager
from http.server import HTTPServer
from pathlib import Path

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
_SECTION = "### An example receiver"


def example_receiver_code() -> str:
    """The first ```python block after the example receiver's heading."""
    text = API_DOC.read_text()
    section = text[text.index(_SECTION) :]
    match = re.search(r"^```python\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    assert match, "docs/api.md lost its example receiver"
    return match.group(1)


def load_example_receiver(secret: str) -> types.ModuleType:
    """The documented code as a module (its `__main__` block not run), reading `secret` as the
    documentation says: from HOTLINE_WEBHOOK_SECRET."""
    module = types.ModuleType("example_receiver")
    previous = os.environ.get("HOTLINE_WEBHOOK_SECRET")
    os.environ["HOTLINE_WEBHOOK_SECRET"] = secret
    try:
        exec(compile(example_receiver_code(), str(API_DOC), "exec"), module.__dict__)  # noqa: S102
    finally:
        if previous is None:
            os.environ.pop("HOTLINE_WEBHOOK_SECRET", None)
        else:
            os.environ["HOTLINE_WEBHOOK_SECRET"] = previous
    return module


@contextmanager
def serving(secret: str = ""):
    """(module, url): the documented receiver listening on 127.0.0.1 (a free port) meanwhile.
    With no secret, the test sets `module.SECRET` once the partner's secret is issued (it is only
    known after the webhook is configured with the receiver's URL).
    `module.handled` holds the events it accepted, `module.answers` every status it gave."""
    module = load_example_receiver(secret)
    module.answers = []
    handler = module.Handler

    class Recording(handler):
        def send_response(self, code, message=None):
            module.answers.append(code)
            super().send_response(code, message)

        def log_message(self, format, *args):  # quiet test output
            pass

    server = HTTPServer(("127.0.0.1", 0), Recording)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield module, f"http://127.0.0.1:{server.server_address[1]}/hotline-status"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
