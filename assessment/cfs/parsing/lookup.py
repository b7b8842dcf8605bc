"""Call-type lookup tables: a city's code -> description list (e.g. "10-52" -> "DISTURBANCE"),
uploaded or passed with `import_cfs --lookup`, used by `rows.RowNormalizer` to describe the codes
of a file that has no description column.
"""

from __future__ import annotations

import csv
from pathlib import Path

from assessment.cfs import limits, presets
from assessment.cfs.parsing._common import CfsFileError
from assessment.cfs.parsing.sniffing import open_csv


def read_lookup(path: str | Path) -> dict[str, str]:
    """A code -> description table: columns named like code/description, else the first two."""
    opened = open_csv(path)
    try:
        index = presets.header_index(opened.headers)
        code_at = next(
            (
                index[name]
                for name in ("code", "callcode", "calltypecode", "typecode", "type")
                if name in index
            ),
            0,
        )
        description_at = next(
            (
                index[name]
                for name in ("description", "desc", "calldescription", "calltypedescription", "text", "name")
                if name in index
            ),
            1 if code_at != 1 else 0,
        )
        if len(opened.headers) < 2 or code_at == description_at:
            raise CfsFileError(
                "The lookup file needs two columns, a code and its description; it has: "
                + ", ".join(opened.headers)
            )
        table: dict[str, str] = {}
        for row in opened.reader:
            if len(row) > max(code_at, description_at) and row[code_at].strip():
                table[row[code_at].strip()] = row[description_at].strip()
                if len(table) > limits.MAX_LOOKUP_CODES:
                    raise limits.CfsLimitError(
                        f"The lookup file has more than {limits.MAX_LOOKUP_CODES:,} codes; it is not a "
                        "table of call type codes."
                    )
        return table
    except csv.Error as exc:
        raise CfsFileError(f"The lookup file is not valid CSV ({exc}).") from exc
    finally:
        opened.close()
