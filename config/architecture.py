"""Which project app may import which: the one table of the rules (docs/architecture.md).

`tests/test_import_rules.py` reads every module of every app (tests and migrations aside),
finds its imports of other project apps, top-level and inside functions, and fails on any
import this table does not allow. An entry is an app (`"volunteers"`: any of its modules) or
one module (`"config.health"`: that module and nothing else of the app).

    volunteers  <-  hotline   <-  dispatch
    volunteers  <-  outreach  <-  dispatch     (referrals use the partner directory)
    assessment  reads all of them; nothing imports assessment

Infrastructure: `audit` (who saw and changed what) is used by the apps that show caller
data; `retention` redacts hotline's and dispatch's records and nothing imports it; `config`
(the project package, the composition root) wires the apps' URLs and asks volunteers for each
role's home page; of config an app may import only `config.health` (the `healthcheck` command
lives in volunteers because config is not an installed app; hotline and retention register
their health checks with it), which imports no project app.
"""

from __future__ import annotations

# Every top-level package that is part of the project (INSTALLED_APPS' own apps plus config).
PROJECT_APPS: tuple[str, ...] = (
    "config",
    "volunteers",
    "hotline",
    "outreach",
    "dispatch",
    "assessment",
    "audit",
    "retention",
)

# The modules of config that any app may import: small libraries that import no project app
# (tests/test_import_rules.py checks that), so no cycle goes through them.
CONFIG_LIBRARY: frozenset[str] = frozenset({"config.health", "config.ratelimit", "config.storage"})

# app -> what it may import of the other project apps.
ALLOWED_IMPORTS: dict[str, frozenset[str]] = {
    "volunteers": frozenset({"audit", *CONFIG_LIBRARY}),
    "hotline": frozenset({"volunteers", "audit", *CONFIG_LIBRARY}),
    "outreach": frozenset({"volunteers", "audit", *CONFIG_LIBRARY}),
    "dispatch": frozenset({"volunteers", "hotline", "outreach", "audit", *CONFIG_LIBRARY}),
    "assessment": frozenset({"volunteers", "hotline", "outreach", "dispatch", "audit", *CONFIG_LIBRARY}),
    "audit": frozenset(CONFIG_LIBRARY),
    "retention": frozenset({"audit", "hotline", "dispatch", *CONFIG_LIBRARY}),
    "config": frozenset({"volunteers", "dispatch"}),
}


def import_allowed(*, importer: str, module: str) -> bool:
    """May a module of app `importer` import the dotted `module`? Its own app always."""
    app = module.split(".")[0]
    if app == importer or app not in PROJECT_APPS:
        return True
    return any(module == entry or module.startswith(entry + ".") for entry in ALLOWED_IMPORTS[importer])
