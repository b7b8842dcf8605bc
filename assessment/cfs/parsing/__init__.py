"""Reading calls-for-service CSV exports as a stream, whatever their quirks.

- `sniffing`: `open_csv` (compression, encoding, BOMs, delimiter, header row), `read_sample`,
  and the choice of which column holds what (`choose_mapping`, `check_detected_columns`,
  `missing_fields_error`);
- `times`: `TimeParser` for the received-time formats exports use;
- `rows`: `RowNormalizer`, csv rows to normalised calls, bad rows counted with their lines;
- `lookup`: `read_lookup`, a code -> description table;
- `detection`: which column holds what, judged by the values (`profiles`) as well as the headers;
- `sources`: how a call came in (public-generated or officer-initiated) from a source value.

The import service (`assessment.services`), the loaders (`assessment.cfs.loader`,
`assessment.cfs.fastload`) and the import command use the names exported here.
"""

from assessment.cfs.parsing._common import CfsFileError
from assessment.cfs.parsing.lookup import read_lookup
from assessment.cfs.parsing.rows import (
    BadRows,
    CallTypeSeen,
    NormalizedCall,
    RowNormalizer,
    clean_area,
    clean_disposition,
    clean_priority,
    clean_text,
    normalize_key,
    parse_coordinate,
    parse_point,
    shown,
)
from assessment.cfs.parsing.sniffing import (
    OpenedCsv,
    check_detected_columns,
    choose_mapping,
    missing_fields_error,
    open_csv,
    read_sample,
)
from assessment.cfs.parsing.times import (
    MAX_YEAR,
    MIN_YEAR,
    TIME_FORMATS_HELP,
    TimeParser,
    combine_date_and_time,
    utc_text,
)

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "TIME_FORMATS_HELP",
    "BadRows",
    "CallTypeSeen",
    "CfsFileError",
    "NormalizedCall",
    "OpenedCsv",
    "RowNormalizer",
    "TimeParser",
    "check_detected_columns",
    "choose_mapping",
    "clean_area",
    "clean_disposition",
    "clean_priority",
    "clean_text",
    "combine_date_and_time",
    "missing_fields_error",
    "normalize_key",
    "open_csv",
    "parse_coordinate",
    "parse_point",
    "read_lookup",
    "read_sample",
    "shown",
    "utc_text",
]
