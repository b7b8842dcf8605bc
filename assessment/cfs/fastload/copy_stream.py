"""The file's text streamed to `COPY ... (FORMAT csv)`, checked on the way for what COPY and
Python's csv would read differently (the file then takes the Python path)."""

from __future__ import annotations

import functools
import queue
import re
import threading
from collections.abc import Callable, Iterator

from assessment.cfs import limits
from assessment.cfs.fastload.eligibility import FastPathUnavailable
from assessment.cfs.parsing import OpenedCsv

CHUNK_CHARS = 1 << 20

# progress(phase, rows_read) -> None
Progress = Callable[[str, int], None]


class CsvStream:
    """The file's text after the header, as COPY reads it, with its line breaks counted so that
    each record can be checked to be one line. Trailing blank lines are held back (COPY refuses
    blank lines). A lone carriage return, which COPY and Python's csv read differently, makes the
    file ineligible.

    Decoding and checking the text costs about as much CPU as the server's parsing of it, so a
    reader thread prepares the next chunks while the server parses the previous ones (the
    string work runs in the thread, the socket writes in the caller's, without the GIL)."""

    QUEUED_CHUNKS = 4

    def __init__(self, opened: OpenedCsv, progress: Progress):
        self._text = opened.text
        self._delimiter = opened.delimiter
        self._progress = progress
        self.lines = 0
        self.trailing_blank_lines = 0
        self.error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=self.QUEUED_CHUNKS)
        self._stop = threading.Event()
        self._finished = False
        self._thread = threading.Thread(target=self._produce, name="cfs-copy-reader", daemon=True)
        self._thread.start()

    # -- the reader thread ----------------------------------------------------------------
    def _produce(self) -> None:
        try:
            for item in self._chunks():
                if not self._put(item):
                    return
            self._put(("", 0))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            self._put(exc)

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _next_chunk(self) -> str:
        """About a megabyte of text ending at a line break, so that quotes can be checked."""
        chunk = self._text.read(CHUNK_CHARS)
        if chunk and not chunk.endswith("\n"):
            rest = self._text.readline(limits.MAX_LINE_CHARS)
            if len(rest) >= limits.MAX_LINE_CHARS and not rest.endswith("\n"):
                raise FastPathUnavailable("a line too long")  # the Python path says which one
            chunk += rest
        if stray_quotes(chunk, self._delimiter):
            raise FastPathUnavailable("quotes inside unquoted fields")
        return chunk

    def _chunks(self) -> Iterator[tuple[str, int]]:
        """(text, line breaks in it) in file order; the last one ends the records."""
        pending = self._next_chunk()
        while pending:
            chunk = pending
            following = self._next_chunk()
            if following:
                # Keep a carriage return that may pair with the next chunk's line feed.
                if chunk.endswith("\r"):
                    chunk, following = chunk[:-1], "\r" + following
                pending = following
                extra = 0
            else:
                pending = ""
                chunk, extra = self._finish(chunk)
            if "\r" in chunk and chunk.count("\r") != chunk.count("\r\n"):
                raise FastPathUnavailable("a carriage return without a line feed")
            if chunk:
                yield chunk, chunk.count("\n") + extra

    def _finish(self, chunk: str) -> tuple[str, int]:
        """The last chunk: trailing blank lines dropped, counted as the Python path counts them.
        Returns the text and the records it holds beyond its line breaks."""
        body = chunk.rstrip("\r\n")
        tail = chunk[len(body) :]
        if not body:
            if "\n" in tail or "\r" in tail:
                raise FastPathUnavailable("blank lines")
            return "", 0
        if not tail:
            return body, 1  # the last record has no line break
        self.trailing_blank_lines = tail.count("\n") - 1
        return body + ("\r\n" if tail.startswith("\r\n") else tail[0]), 0

    # -- the caller's side (COPY reads here) ------------------------------------------------
    def read(self, size: int = -1) -> str:
        if self._finished:
            return ""
        item = self._queue.get()
        if isinstance(item, BaseException):
            self._finished = True
            self.error = item
            raise item
        chunk, lines = item
        if not chunk:
            self._finished = True
            return ""
        self.lines += lines
        self._progress("reading", self.lines)
        return chunk

    readline = read

    def close(self) -> None:
        """Stop the reader thread (also when COPY gave up half-way)."""
        self._stop.set()
        self._thread.join()


@functools.lru_cache(maxsize=8)
def _quoted_field(delimiter: str) -> re.Pattern[str]:
    """A well-formed quoted field between two delimiters: only doubled quotes inside. Possessive,
    so that a field that is not well-formed fails at once instead of backtracking."""
    d = re.escape(delimiter)
    return re.compile(f'{d}"(?:[^"]++|"")*+"(?={d})')


def stray_quotes(chunk: str, delimiter: str) -> bool:
    """Whether some quote is not part of a well-formed quoted field.

    Python's csv keeps a quote inside an unquoted field as it is (`say "hi" now`, `TV 32"" SCREEN`)
    where COPY takes it for the start of a quoted part (`say hi now`, `TV 32 SCREEN`); such a file
    goes to the Python path. With every line break written as the delimiter and the text wrapped
    in delimiters, every well-formed quoted field is removed by one regular expression; no quote
    may remain. (Fields that both read alike but are not well-formed, such as `"ab"cd`, go to the
    Python path too: slower, never different.)"""
    if '"' not in chunk:
        return False
    d = delimiter
    text = chunk
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if d != "\n":
        text = text.replace("\n", d)
    return '"' in _quoted_field(d).sub(d, d + text + d)


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t")


def copy_text(value: str) -> str:
    """A value in COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
