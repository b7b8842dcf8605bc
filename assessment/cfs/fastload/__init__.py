"""The PostgreSQL fast path of the import: the file's own CSV goes to the server untouched.

The file's text (BOMs removed and decoded by `open_csv`, so every encoding works) is streamed
with `COPY ... (FORMAT csv)` into a temporary table of text columns, numbered in file order.
Everything else is set-based, with Python looking only at what is rare or small:

1. rows whose received time is not the canonical "YYYY-MM-DD HH:MM:SS" (bad times, other
   formats, offsets) are fetched and parsed by the same `TimeParser` as the Python path;
2. one GROUPING SETS scan lists the distinct call type, area, priority and disposition values,
   which `RowNormalizer` cleans exactly as it does row by row (call types by first appearance,
   so codes and descriptions come out the same);
3. one statement casts, cleans and joins the rows into a temporary table of typed rows; one
   fills the pre-aggregated tables from it, one inserts the calls (`statement`).

It covers the common case: every record on one line, no blank lines, as many fields as
headers, no point column. Dispatch, arrival and clear times are read in SQL when they are
canonical date-times ("YYYY-MM-DD HH:MM:SS") or times of day ("HH:MM[:SS]"), as
`assessment.cfs.scene` reads them; any other value makes the file take the Python path. A date in one column and the time of day in another are joined in SQL
as `combine_date_and_time` joins them; values that do not come out canonical are joined by it. Anything else (and any value PostgreSQL
refuses to cast) raises `FastPathUnavailable` before anything is kept; the caller rolls back to
its savepoint and imports the file with the Python path, which reports the file's problems with
line numbers. Results are the same either way; the tests compare them.

Modules: `eligibility` (which files it takes), `copy_stream` (the file's text streamed to COPY),
`loader` (`FastLoader`: the steps above), `statement` (the SQL of step 3).
"""

from assessment.cfs.fastload.eligibility import FastPathUnavailable, usable
from assessment.cfs.fastload.loader import FastLoader, FastResult

__all__ = ["FastLoader", "FastPathUnavailable", "FastResult", "usable"]
