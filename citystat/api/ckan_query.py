"""The Solr query subset CKAN clients send in `package_search`'s `q` and `fq`, parsed.

CKAN passes `q` and `fq` to Solr; harvesters rely on a handful of forms, which are read
here into a small tree and evaluated over each dataset's searchable fields (the catalog
is a city's, a few hundred datasets, so no index is needed):

- `field:value`, `field:"a phrase"`, `field:prefix*`, `-field:value`, `+field:value`
- ranges `metadata_modified:[2020-01-01T00:00:00Z TO *]` (`{…}` excludes the ends)
- `AND`, `OR`, `NOT` and parentheses, as CKANHarvester's `(organization:a OR organization:b)`
- bare words (every one must appear in the dataset's text) and `*:*`

Anything else (an unknown field, a stray bracket) is refused as CKAN's "Search Query
Error" rather than read as something it is not.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class QueryError(ValueError):
    """The query is not in the supported subset; the message says where."""


# Fields matched as whole values (case-insensitively), and those searched word by word.
KEYWORD_FIELDS = {"id", "name", "tags", "organization", "owner_org", "groups",
                  "res_format", "license_id", "type", "dataset_type", "state",
                  "capacity"}  # fmt: skip
TEXT_FIELDS = {"title", "notes", "text"}
DATE_FIELDS = {"metadata_modified", "metadata_created"}
FIELDS = KEYWORD_FIELDS | TEXT_FIELDS | DATE_FIELDS

TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\() | (?P<close>\)) |
        (?P<range>[\[{][^\]}]*[\]}]) |
        (?P<phrase>"(?:[^"\\]|\\.)*") |
        (?P<word>(?:[^\s()"\[\]{}\\]|\\.)+)
    )""",
    re.VERBOSE,
)

Record = dict[str, Any]
Predicate = Callable[[Record], bool]


@dataclass
class Token:
    kind: str
    text: str


def tokenize(text: str) -> list[Token]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise QueryError(f"cannot read {text[position : position + 30]!r}.")
        kind = match.lastgroup or "word"
        tokens.append(Token(kind, match.group(kind)))
        position = match.end()
    return tokens


class Parser:
    """Recursive descent: or-list of and-lists of (possibly negated) terms."""

    def __init__(self, text: str, default_field: str) -> None:
        self.tokens = tokenize(text)
        self.position = 0
        self.default_field = default_field

    def parse(self) -> Predicate:
        if not self.tokens:
            return lambda record: True
        predicate = self.disjunction()
        if self.position < len(self.tokens):
            raise QueryError(f"unexpected {self.tokens[self.position].text!r}.")
        return predicate

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while (token := self.peek()) is not None and token.text in ("OR", "||"):
            self.position += 1
            parts.append(self.conjunction())
        if len(parts) == 1:
            return parts[0]
        return lambda record: any(part(record) for part in parts)

    def conjunction(self) -> Predicate:
        parts = []
        while (token := self.peek()) is not None and token.kind != "close":
            if token.text in ("OR", "||"):
                break
            if token.text in ("AND", "&&"):
                self.position += 1
                continue
            parts.append(self.unary())
        if not parts:
            raise QueryError("an operator has nothing to join.")
        return lambda record: all(part(record) for part in parts)

    def unary(self) -> Predicate:
        token = self.tokens[self.position]
        if token.text == "NOT" or (token.kind == "word" and token.text in ("-", "!")):
            self.position += 1
            if self.peek() is None:
                raise QueryError("NOT needs a term after it.")
            inner = self.unary()
            return lambda record: not inner(record)
        if token.kind == "word" and token.text[0] in "-+!" and len(token.text) > 1:
            negate = token.text[0] in "-!"
            self.tokens[self.position] = Token("word", token.text[1:])
            inner = self.unary()
            return (lambda record: not inner(record)) if negate else inner
        return self.primary()

    def primary(self) -> Predicate:
        token = self.tokens[self.position]
        self.position += 1
        if token.kind == "open":
            inner = self.disjunction()
            if (close := self.peek()) is None or close.kind != "close":
                raise QueryError("a parenthesis is not closed.")
            self.position += 1
            return inner
        if token.kind == "phrase":
            return term(self.default_field, unquote(token.text))
        if token.kind != "word":
            raise QueryError(f"unexpected {token.text!r}.")
        field, colon, value = token.text.partition(":")
        if not colon:
            return term(self.default_field, unescape(token.text))
        if field == "*" and value == "*":
            return lambda record: True
        if field not in FIELDS:
            raise QueryError(f"{field!r} is not a field this catalog searches by; "
                             f"use one of {', '.join(sorted(FIELDS))}.")  # fmt: skip
        if value:
            return term(field, unescape(value))
        following = self.peek()
        if following is None:
            raise QueryError(f"{field}: has no value.")
        self.position += 1
        if following.kind == "range":
            return date_range(field, following.text)
        if following.kind == "phrase":
            return term(field, unquote(following.text))
        if following.kind == "open":
            # field:(a OR b): the group's words are values of `field`.
            self.position -= 1
            saved, self.default_field = self.default_field, field
            try:
                return self.primary()
            finally:
                self.default_field = saved
        raise QueryError(f"{field}: cannot read its value {following.text!r}.")


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def unquote(text: str) -> str:
    return unescape(text[1:-1])


def term(field: str, value: str) -> Predicate:
    """Return the test of one `field:value` term."""
    if field in DATE_FIELDS:
        moment = parse_moment(value, field)
        return lambda record: record[field] == moment
    wanted = value.lower()
    if field in TEXT_FIELDS:
        words = wanted.split()
        return lambda record: all(word in record[field] for word in words)
    if wanted == "*":
        return lambda record: bool(record[field])
    if "*" in wanted or "?" in wanted:
        return lambda record: any(fnmatch.fnmatchcase(v, wanted) for v in record[field])
    return lambda record: wanted in record[field]


def parse_moment(text: str, field: str) -> dt.datetime:
    """Read a Solr date (`2020-01-01T00:00:00Z`, fractions optional) as naive UTC."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise QueryError(
            f"{field}: {text[:40]!r} is not a date and time like 2020-01-01T00:00:00Z."
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def date_range(field: str, text: str) -> Predicate:
    """Return the test of `[low TO high]` (ends included) or `{low TO high}` (excluded)."""
    if field not in DATE_FIELDS:
        raise QueryError(f"{field}: ranges are supported on {', '.join(sorted(DATE_FIELDS))}.")
    inclusive_low, inclusive_high = text[0] == "[", text[-1] == "]"
    parts = text[1:-1].split()
    if len(parts) != 3 or parts[1] != "TO":
        raise QueryError(f"{field}: expected [from TO to], not {text[:60]!r}.")
    low = None if parts[0] == "*" else parse_moment(parts[0], field)
    high = None if parts[2] == "*" else parse_moment(parts[2], field)

    def test(record: Record) -> bool:
        value = record[field]
        if low is not None and (value < low or (value == low and not inclusive_low)):
            return False
        return high is None or value < high or (value == high and inclusive_high)

    return test


def compile_query(text: str, default_field: str = "text") -> Predicate:
    """Return the test a dataset's record must pass for the Solr query `text`."""
    return Parser(text, default_field).parse()
