"""The documentation stays true: links resolve, named make targets exist, every setting is
documented, and the dashboard's definitions in docs/assessment.md are the code's.

README.md is the front door; docs/*.md hold a page per reader (docs/architecture.md says which).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README_MAX_LINES = 250

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
MAKE = re.compile(r"(?:^|[\s;&|(])make[ \t]+(?:-\S+[ \t]+)*([a-z][\w-]*)\b")
MAKE_TARGET = re.compile(r"^([A-Za-z_][\w.-]*(?:[ \t]+[A-Za-z_][\w.-]*)*)[ \t]*:(?!=)", re.MULTILINE)
ENV_HELPERS = {"env_str", "env_int", "env_bool", "env_list", "env_required"}


def doc_files(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def prose(text: str) -> str:
    """The text without fenced code blocks and code spans (where nothing is a link)."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def code(text: str) -> list[str]:
    """The fenced code blocks and code spans of the text."""
    blocks = [match.group(0) for match in FENCE.finditer(text)]
    spans = [match.group(2) for match in CODE_SPAN.finditer(FENCE.sub("", text))]
    return blocks + spans


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = CODE_SPAN.sub(lambda match: match.group(2), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link keeps its words
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for match in HEADING.finditer(FENCE.sub("", text)):
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


@dataclass(frozen=True)
class Problem:
    doc: str
    what: str


def link_problems(doc: Path, *, root: Path = ROOT) -> list[Problem]:
    text = doc.read_text(encoding="utf-8")
    name = str(doc.relative_to(root))
    problems = []
    for match in LINK.finditer(prose(text)):
        target = match.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # http:, https:, mailto: ... are not checked here
        path_part, _hash, anchor = target.partition("#")
        linked = (doc.parent / path_part).resolve() if path_part else doc
        if path_part and not linked.exists():
            problems.append(Problem(name, f"link to a missing file: {target}"))
            continue
        if anchor:
            if linked.suffix != ".md":
                problems.append(Problem(name, f"anchor into a file that is not Markdown: {target}"))
            elif anchor not in anchors(linked.read_text(encoding="utf-8")):
                problems.append(Problem(name, f"link to a missing heading: {target}"))
    return problems


def makefile_targets(makefile: Path) -> set[str]:
    targets = set()
    for match in MAKE_TARGET.finditer(makefile.read_text(encoding="utf-8")):
        targets.update(match.group(1).split())
    return targets - {".PHONY"}


def make_problems(doc: Path, *, targets: set[str], root: Path = ROOT) -> list[Problem]:
    name = str(doc.relative_to(root))
    problems = []
    for snippet in code(doc.read_text(encoding="utf-8")):
        for match in MAKE.finditer(snippet):
            if match.group(1) not in targets:
                problems.append(Problem(name, f"`make {match.group(1)}` names no Makefile target"))
    return problems


def variables_read_from_environment(root: Path = ROOT) -> set[str]:
    """Names passed to config.env's helpers (env_str("NAME", ...)) anywhere in the project's code."""
    names = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if parts[0].startswith(".") or "tests" in parts or "migrations" in parts or parts[0] == "bench":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ENV_HELPERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(node.args[0].value)
    return names


def section(text: str, heading: str) -> str:
    """The Markdown under `## heading`, up to the next heading of the same or a higher level."""
    match = re.search(
        rf"^## {re.escape(heading)}[ \t]*$(.*?)(?=^#{{1,2}} |\Z)", text, re.MULTILINE | re.DOTALL
    )
    assert match, f"no section {heading!r}"
    return match.group(1)


# --- the checks on the real documents ---------------------------------------------------------


def test_the_readme_and_one_page_per_reader_exist():
    pages = {path.name for path in doc_files()}
    assert {
        "README.md",
        "operators.md",
        "dispatch.md",
        "volunteers.md",
        "outreach.md",
        "assessment.md",
        "api.md",
        "architecture.md",
        "benchmarks.md",
    } <= pages


def test_the_readme_stays_a_front_door():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail to docs/"


@pytest.mark.parametrize("doc", doc_files(), ids=lambda path: path.name)
def test_every_relative_link_resolves(doc):
    assert link_problems(doc) == []


@pytest.mark.parametrize("doc", doc_files(), ids=lambda path: path.name)
def test_every_make_target_named_exists(doc):
    assert make_problems(doc, targets=makefile_targets(ROOT / "Makefile")) == []


def test_every_page_under_docs_is_linked_from_the_readme():
    readme = prose((ROOT / "README.md").read_text(encoding="utf-8"))
    linked = {match.group(1).partition("#")[0] for match in LINK.finditer(readme)}
    for page in (ROOT / "docs").glob("*.md"):
        assert f"docs/{page.name}" in linked, f"docs/{page.name} is not linked from README.md"


def test_the_screenshots_the_readme_shows_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("docs/img/console.png", "docs/img/dashboard.png"):
        assert name in readme
        assert (ROOT / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_variable_read_from_the_environment_is_in_the_readme_configuration_table():
    table = section((ROOT / "README.md").read_text(encoding="utf-8"), "Configuration")
    names = variables_read_from_environment()
    assert {"DATABASE_URL", "SECRET_KEY", "CONN_MAX_AGE", "PILOT_DASHBOARD_QUERY_THREADS"} <= names
    missing = sorted(name for name in names if f"`{name}`" not in table)
    assert missing == [], f"not in README.md's configuration table: {missing}"


def test_every_production_variable_is_in_the_readme_configuration_table():
    table = section((ROOT / "README.md").read_text(encoding="utf-8"), "Configuration")
    for line in (ROOT / "deploy" / "production.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            assert f"`{line.partition('=')[0]}`" in table


def test_every_pinned_package_says_why_it_is_here():
    table = section(
        (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"),
        "Dependencies (requirements.txt, pinned)",
    )
    packages = [
        line.split("==")[0].strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert "Django" in packages
    named = {
        name.strip().split(" ")[0].lower()
        for row in table.splitlines()[2:]
        if row.startswith("|")
        for name in row.split("|")[1].split(",")
    }
    missing = [package for package in packages if package.lower() not in named]
    assert missing == [], f"not in docs/architecture.md's dependency table: {missing}"


def test_the_dashboard_definitions_in_the_docs_are_the_code_s():
    from django.utils import translation

    from assessment.pilot.glossary import GLOSSARY

    page = (ROOT / "docs" / "assessment.md").read_text(encoding="utf-8")
    with translation.override("en"):
        for title, definition in GLOSSARY.values():
            row = f"| {title} | {' '.join(str(definition).split())} |"
            assert row in page, f"docs/assessment.md does not define {title!s} as the code does"


def test_the_rule_table_the_architecture_page_shows_is_the_code_s():
    from config.architecture import ALLOWED_IMPORTS

    table = section((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"), "Import rules")
    for app, allowed in ALLOWED_IMPORTS.items():
        row = next((line for line in table.splitlines() if line.startswith(f"| `{app}` |")), None)
        assert row is not None, f"no row for {app}"
        # The names before any explanation in brackets.
        named = set(re.findall(r"`([\w.]+)`", row.split("|")[2].split("(")[0]))
        assert named == set(allowed), f"{app}: the page says {sorted(named)}, the code {sorted(allowed)}"


# --- the checks can fail ------------------------------------------------------------------------


def test_the_checks_find_broken_links_anchors_and_make_targets(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## Real heading\n\n## The `code` (and more)\n")
    (tmp_path / "Makefile").write_text(
        ".PHONY: run test\nVENV := .venv\nrun: install\n\ttrue\ntest check: run\n"
    )
    bad = tmp_path / "README.md"
    bad.write_text(
        "# Title\n\n## Here\n\n"
        "[ok](docs/other.md) [ok](docs/other.md#real-heading) [ok](#here) [ok](docs/other.md#the-code-and-more)\n"
        "[web](https://example.org/missing) `[not a link](nowhere.md)`\n"
        "[gone](docs/missing.md) [no heading](docs/other.md#not-there) [no local](#nowhere)\n"
        "![no picture](docs/img/none.png)\n\n"
        "Run `make run`, `make check`, `make deploy` and `FOO=1 make -j2 bench`.\n\n"
        "```sh\nmake test\nmake publish\n```\n"
    )
    problems = [problem.what for problem in link_problems(bad, root=tmp_path)]
    assert problems == [
        "link to a missing file: docs/missing.md",
        "link to a missing heading: docs/other.md#not-there",
        "link to a missing heading: #nowhere",
        "link to a missing file: docs/img/none.png",
    ]
    targets = makefile_targets(tmp_path / "Makefile")
    assert targets == {"run", "test", "check"}
    problems = [problem.what for problem in make_problems(bad, targets=targets, root=tmp_path)]
    assert problems == [
        "`make publish` names no Makefile target",
        "`make deploy` names no Makefile target",
        "`make bench` names no Makefile target",
    ]


def test_github_anchors():
    assert slug("Security and privacy (quality gates)") == "security-and-privacy-quality-gates"
    assert slug("911 calls-for-service analysis") == "911-calls-for-service-analysis"
    assert slug("Load and faults (`bench/load.py`)") == "load-and-faults-benchloadpy"
    assert anchors("# A\n## B\n## B\n```\n# not a heading\n```\n") == {"a", "b", "b-1"}
