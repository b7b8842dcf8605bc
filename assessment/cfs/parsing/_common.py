"""What every part of the calls-for-service reader shares: the error shown to the person who
uploaded a file that cannot be imported.
"""

from __future__ import annotations


class CfsFileError(Exception):
    """The file cannot be imported; the message says why, for the person who uploaded it."""
