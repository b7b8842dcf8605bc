"""Models of the assessment app: historical 911 calls for service and their analysis.

A city's exports are imported as datasets of calls. Each raw call type of a city is one
`CfsCallType`, classified once per city (category and divertibility) and reused by every dataset
of that city. The analysis pages read the pre-aggregated `CfsSlotCount` (weekday x hour x area)
and `CfsPeriodCount` (month x priority) tables, refreshed by each import, never the raw calls.

One module per concept:

- `cities`: the cities studied and their saved column mappings;
- `call_types`: divertibility, the categories, a city's raw call types and the reference
  study's classified call types;
- `datasets`: imported datasets, their calls, and the source a call came in by;
- `aggregates`: a dataset's calls counted at import (per slot, month, disposition, time on scene);
- `import_jobs`: uploads imported by a Celery task;
- `pilot`: the pilot the dashboards report on and the police time of its call types;
- `readiness`: the pilot's roadmap and launch readiness;
- `programme`: lessons-learned reviews and the steering committee;
- the map's grid and pilot areas are in `assessment.map_models`, registered from here.

Other modules import the models from here (`from assessment.models import CfsDataset`), not from
the submodules, so that a model can move between files without a migration.
"""

from assessment.models.aggregates import CfsDispositionCount, CfsPeriodCount, CfsSceneTimeCount, CfsSlotCount
from assessment.models.call_types import CfsCallType, CfsCategory, CfsReferenceCallType, Divertibility
from assessment.models.cities import CfsCity, CfsColumnMapping
from assessment.models.datasets import CallSource, CfsCall, CfsDataset
from assessment.models.import_jobs import CfsImportJob
from assessment.models.pilot import PilotSettings, PoliceTimeMapping
from assessment.models.programme import (
    ActionItem,
    Finding,
    LessonsReview,
    SteeringDecision,
    SteeringMeeting,
    SteeringMember,
)
from assessment.models.readiness import HotlineTestCall, ProtocolApproval, RoadmapMilestone, RoadmapPhase

__all__ = [
    "ActionItem",
    "CallSource",
    "CfsBoundary",
    "CfsBoundaryCellCount",
    "CfsBoundaryPeriodCount",
    "CfsBoundarySlotCount",
    "CfsCall",
    "CfsCallType",
    "CfsCategory",
    "CfsCellCount",
    "CfsCity",
    "CfsColumnMapping",
    "CfsDataset",
    "CfsDispositionCount",
    "CfsGrid",
    "CfsImportJob",
    "CfsPeriodCount",
    "CfsPilotArea",
    "CfsReferenceCallType",
    "CfsSceneTimeCount",
    "CfsSlotCount",
    "Divertibility",
    "Finding",
    "HotlineTestCall",
    "LessonsReview",
    "PilotSettings",
    "PoliceTimeMapping",
    "ProtocolApproval",
    "RoadmapMilestone",
    "RoadmapPhase",
    "SteeringDecision",
    "SteeringMeeting",
    "SteeringMember",
]

from assessment.map_models import (  # noqa: E402, F401 - registered with the app from here
    CfsBoundary,
    CfsBoundaryCellCount,
    CfsBoundaryPeriodCount,
    CfsBoundarySlotCount,
    CfsCellCount,
    CfsGrid,
    CfsPilotArea,
)
