"""axe-core (vendored in tests/browser/vendor/axe-core/, never served to users) run inside the
page Playwright has open: WCAG 2.1 A and AA rules, every violating element with its selector.

    violations = axe_scan(page)          # [] when the page passes
    assert not violations, axe_report(violations)
"""

from __future__ import annotations

from pathlib import Path

AXE_SOURCE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((rule) => ({
    rule: rule.id,
    impact: rule.impact,
    help: rule.help,
    targets: rule.nodes.map((node) => node.target.join(" ")),
    summaries: rule.nodes.map((node) => node.failureSummary),
  }));
}
"""


def axe_scan(page, *, tags: list[str] | None = None) -> list[dict]:
    """The page's WCAG 2.1 AA violations, each with the page's path: `rule`, `help`, `targets`."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: a <script> tag would break the site's CSP.
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8") + "\n;window.axe = axe; true")
    path = page.evaluate("() => location.pathname + location.search")
    lang = page.evaluate("() => document.documentElement.lang")
    violations = page.evaluate(_RUN, tags or WCAG_21_AA)
    for violation in violations:
        violation["page"] = f"{path} [{lang}]"
    return violations


def axe_report(violations: list[dict]) -> str:
    """One line per rule and page, then the failing elements' selectors (and why, first one)."""
    lines = [f"{sum(len(v['targets']) for v in violations)} failing elements:"]
    for violation in violations:
        lines.append(f"- {violation['page']}: {violation['rule']} ({violation['help']})")
        reasons: list[str] = []
        for target, summary in zip(violation["targets"], violation["summaries"], strict=True):
            reason = " ".join(summary.replace("Fix any of the following:", "").split())[:240]
            if reason not in reasons:
                reasons.append(reason)
            lines.append(f"    {target}  [why {reasons.index(reason) + 1}]")
        lines.extend(f"    why {index}: {reason}" for index, reason in enumerate(reasons, 1))
    return "\n".join(lines)
