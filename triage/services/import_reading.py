"""Reading a referrals import file a piece at a time, so that the memory an import needs does not
grow with the file: the text is decoded as it is read, a CSV file is handed to ``csv.reader`` line
by line, and a JSON array is taken one element at a time.

There is no incremental JSON parser among the project's dependencies, and a second file format
(JSON Lines) only for large files would make people choose by size. So the array's punctuation
(``[``, ``,``, ``]`` and the white space between) is read here and each element is parsed by the
standard library's decoder (``JSONDecoder.raw_decode``), with the same hooks as a whole document:
an export of any size imports again as it is. An element is bounded (``MAX_IMPORT_LINE_CHARS``), so
a malformed one cannot be retried on an ever-growing buffer.

Encodings are those of ``spreadsheet_csv.spreadsheet_text`` (UTF-8 with or without a byte order
mark, UTF-16 with one); messages name lines and columns, never the text.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import IO, Any, NoReturn

from triage.input_limits import MAX_IMPORT_LINE_CHARS
from triage.services.spreadsheet_csv import NOT_UNICODE, text_encoding

CHUNK_CHARS = 1 << 16  # read this much text at a time
_SPACE = " \t\n\r"
_NUMBER = "0123456789.eE+-"


class TransferError(ValueError):
    """A file that cannot be read as referrals at all; the message is safe to print."""


class _Bounded(io.RawIOBase):
    """``stream`` read through, refusing to go past ``limit`` bytes (a standard input cannot be
    measured beforehand). Closing it leaves ``stream`` open: it is the caller's."""

    def __init__(self, stream: IO[bytes], limit: int | None, refusal: str) -> None:
        self._stream, self._limit, self._refusal, self._read = stream, limit, refusal, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        self._read += len(data)
        if self._limit is not None and self._read > self._limit:
            raise TransferError(self._refusal)
        buffer[: len(data)] = data
        return len(data)


class DecodedText:
    """A binary file's text, decoded as it is read, in lines (for CSV) or chunks (for JSON). Text
    that is not UTF-8 or UTF-16, or holds a NUL (UTF-16 without a byte order mark read as UTF-8), is
    refused with ``the file`` + ``NOT_UNICODE``; so is a file of more than ``limit`` bytes."""

    def __init__(self, stream: IO[bytes], *, limit: int | None = None, too_large: str = "") -> None:
        buffered = io.BufferedReader(_Bounded(stream, limit, too_large))
        codec = text_encoding(buffered.peek(4)[:4])
        # newline="": lines end as the file ends them (csv needs the \r\n inside a quoted cell kept).
        self._text = io.TextIOWrapper(buffered, encoding=codec, errors="strict", newline="")
        self._pushed: list[str] = []

    def _checked(self, text: str) -> str:
        if "\0" in text:
            raise TransferError(f"the file {NOT_UNICODE}")
        return text

    def line(self, number: int) -> str:
        """The next line (``number`` names it in a message), "" at the end."""
        if self._pushed:
            return self._pushed.pop()
        try:
            text = self._text.readline(MAX_IMPORT_LINE_CHARS + 1)
        except UnicodeDecodeError:
            raise TransferError(f"the file {NOT_UNICODE}") from None
        if len(text) > MAX_IMPORT_LINE_CHARS:
            raise TransferError(f"line {number} is longer than {MAX_IMPORT_LINE_CHARS:,} characters")
        return self._checked(text)

    def chunk(self, size: int = CHUNK_CHARS) -> str:
        """Up to ``size`` more characters, "" at the end."""
        if self._pushed:
            return self._pushed.pop()
        try:
            return self._checked(self._text.read(size))
        except UnicodeDecodeError:
            raise TransferError(f"the file {NOT_UNICODE}") from None

    def push_back(self, text: str) -> None:
        """Read ``text`` again next (the last pushed first)."""
        if text:
            self._pushed.append(text)

    def first_character(self) -> str:
        """The first character that is not white space ("" for none), left unread."""
        lines: list[str] = []
        while not lines or (lines[-1] and not lines[-1].strip()):
            lines.append(self.line(len(lines) + 1))
        for text in reversed(lines):
            self.push_back(text)
        return "".join(lines).lstrip()[:1]

    def close(self) -> None:
        self._text.close()  # and the buffers under it; the caller's stream stays open (_Bounded)

    def lines(self) -> Iterator[str]:
        number = 0
        while text := self.line(number + 1):
            number += 1
            yield text


def json_array_items(text: DecodedText, decoder: json.JSONDecoder) -> Iterator[Any]:
    """The elements of the JSON array that is ``text``, one at a time, each parsed by ``decoder``.
    Anything that is not one array of values is a TransferError naming the line and column."""
    reader = _JsonReader(text, decoder)
    if reader.next_character() != "[":
        yield from reader.whole_document()
        return
    reader.pos += 1
    if reader.next_character() == "]":
        reader.pos += 1
    else:
        while True:
            yield reader.item()
            following = reader.next_character()
            reader.pos += 1
            if following == "]":
                break
            if following != ",":
                reader.fail("Expecting ',' delimiter", reader.pos - 1)
    if reader.next_character():
        reader.fail("Extra data", reader.pos)


class _JsonReader:
    """A window (``buffer`` from ``pos``) on the text; ``lines_before`` and ``column_base`` place the
    window's start in the file for messages."""

    def __init__(self, text: DecodedText, decoder: json.JSONDecoder) -> None:
        self.text, self.decoder = text, decoder
        self.buffer, self.pos, self.at_end = "", 0, False
        self.lines_before, self.column_base = 0, 0

    def _more(self) -> bool:
        """Read on (keeping what is from ``pos``); False at the end of the file."""
        chunk = self.text.chunk(max(CHUNK_CHARS, len(self.buffer) - self.pos))
        if not chunk:
            self.at_end = True
            return False
        dropped = self.buffer[: self.pos]
        newlines = dropped.count("\n")
        self.lines_before += newlines
        self.column_base = (self.column_base if not newlines else 0) + len(dropped) - (dropped.rfind("\n") + 1)
        self.buffer, self.pos = self.buffer[self.pos :] + chunk, 0
        return True

    def next_character(self) -> str:
        """The next character that is not white space, moving ``pos`` to it ("" at the end)."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in _SPACE:
                self.pos += 1
            if self.pos < len(self.buffer) or not self._more():
                return self.buffer[self.pos : self.pos + 1]

    def item(self) -> Any:
        self.next_character()  # raw_decode takes no white space before the value
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if self._grow():
                    continue
                self.fail(exc.msg, exc.pos)
            except RecursionError:
                raise TransferError("JSON nested too deeply") from None
            # A number at the window's end may go on in the next chunk ("1" of "1.5").
            number_may_go_on = end == len(self.buffer) or self.buffer[end] in _NUMBER
            if not number_may_go_on or self.at_end or not self._grow():
                self.pos = end
                return value

    def _grow(self) -> bool:
        if len(self.buffer) - self.pos > MAX_IMPORT_LINE_CHARS:
            line, _ = self._place(self.pos)
            raise TransferError(f"the JSON element starting on line {line} is longer than "
                                f"{MAX_IMPORT_LINE_CHARS:,} characters")  # fmt: skip
        return not self.at_end and self._more()

    def whole_document(self) -> Iterator[Any]:
        """Not an array: parsed whole if it is small, for json's own message; never yields."""
        while len(self.buffer) <= MAX_IMPORT_LINE_CHARS and self._more():
            pass
        if self.at_end:
            try:
                self.decoder.decode(self.buffer)
            except json.JSONDecodeError as exc:
                self.fail(exc.msg, exc.pos)
            except RecursionError:
                raise TransferError("JSON nested too deeply") from None
        raise TransferError("a JSON import must be an array of objects, one per referral")
        yield  # a generator, so that nothing is read before the first element is asked for

    def _place(self, pos: int) -> tuple[int, int]:
        newlines = self.buffer.count("\n", 0, pos)
        column = pos - (self.buffer.rfind("\n", 0, pos) + 1) + (0 if newlines else self.column_base)
        return self.lines_before + newlines + 1, column + 1

    def fail(self, message: str, pos: int) -> NoReturn:
        line, column = self._place(pos)
        raise TransferError(f"not valid JSON (line {line}, column {column}: {message})")
