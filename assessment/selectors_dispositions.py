"""The disposition breakdown of the 911 analysis: how each call type's public-generated calls
ended, and the share "advised / no report" (closed with advice, a referral or no report: a
signal that the call needed no enforcement, so that a community team might take it).

Reads `CfsDispositionCount`, written at import by both paths (call type x area x call source x
disposition); `areas` (None: every area) narrows it to some areas' names, and a pilot-area
`boundary` reads the same counts of the calls inside it (`CfsBoundaryDispositionCount`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Sum

from assessment.map_models import CfsBoundary, CfsBoundaryDispositionCount
from assessment.models import CfsCallType, CfsDataset, CfsDispositionCount
from assessment.selectors import is_public_generated, share

# Dispositions that say the call was closed with advice or a referral, or without a report or
# action (as cities write them: "ADVISED", "NO REPORT", "NO POLICE ACTION REQUIRED", "REFERRED TO
# OTHER AGENCY", "ASSISTANCE RENDERED", "INFORMATION GIVEN", "MEDIATED"...). Case-insensitive.
NO_REPORT_PATTERN = re.compile(
    r"ADVIS|NO\s*REPORT|NO\s+(POLICE\s+)?ACTION|NO\s+FURTHER\s+ACTION|REFER|ASSIST|INFORMATION\s+(GIVEN|PROVIDED)"
    r"|\bINFO\s+GIVEN|COUNSEL|MEDIAT|RESOLVED|CIVIL\s+(MATTER|PROBLEM)",
    re.IGNORECASE,
)
TOP_DISPOSITIONS = 3


def is_no_report(disposition: str) -> bool:
    return bool(disposition) and bool(NO_REPORT_PATTERN.search(disposition))


@dataclass
class DispositionRow:
    call_type: CfsCallType
    calls: int = 0  # public-generated calls of the type
    with_disposition: int = 0
    no_report: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def no_report_share(self) -> float:
        """Over the calls with a disposition."""
        return share(self.no_report, self.with_disposition)

    @property
    def top(self) -> list[tuple[str, float]]:
        ranked = sorted(((n, d) for d, n in self.counts.items() if d), key=lambda item: (-item[0], item[1]))
        return [(d, share(n, self.with_disposition)) for n, d in ranked[:TOP_DISPOSITIONS]]


@dataclass
class DispositionBreakdown:
    rows: list[DispositionRow]
    calls: int
    with_disposition: int
    no_report: int

    @property
    def no_report_share(self) -> float:
        return share(self.no_report, self.with_disposition)

    @property
    def available(self) -> bool:
        return self.with_disposition > 0


def cfs_disposition_breakdown(
    *,
    dataset: CfsDataset,
    areas: Sequence[str] | None = None,
    boundary: CfsBoundary | None = None,
    limit: int = 40,
) -> DispositionBreakdown:
    """Public-generated calls per call type by disposition, the busiest `limit` types first."""
    if boundary is not None:
        queryset = CfsBoundaryDispositionCount.objects.filter(boundary=boundary)
    else:
        queryset = CfsDispositionCount.objects.filter(dataset=dataset)
    if areas is not None:
        queryset = queryset.filter(area__in=list(areas))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for type_id, disposition, source, officer_type, calls in (
        queryset.values("call_type_id", "disposition", "source_kind", "call_type__officer_initiated")
        .annotate(n=Sum("calls"))
        .values_list("call_type_id", "disposition", "source_kind", "call_type__officer_initiated", "n")
    ):
        if is_public_generated(source, officer_type):
            counts[type_id][disposition] += calls
    types = CfsCallType.objects.in_bulk(list(counts))
    rows = []
    for type_id, by_disposition in counts.items():
        row = DispositionRow(call_type=types[type_id], counts=dict(by_disposition))
        for disposition, calls in by_disposition.items():
            row.calls += calls
            if disposition:
                row.with_disposition += calls
                if is_no_report(disposition):
                    row.no_report += calls
        rows.append(row)
    rows.sort(key=lambda row: (-row.calls, row.call_type.key))
    return DispositionBreakdown(
        rows=rows[:limit],
        calls=sum(row.calls for row in rows),
        with_disposition=sum(row.with_disposition for row in rows),
        no_report=sum(row.no_report for row in rows),
    )
