"""Automatic flags for likely spam and abusive language: hints for moderators, not verdicts.

The word lists are plain files in `data/` that a city may edit (docs/engagement.md).
A flagged question still waits in the queue like any other; the flag sorts it first and
says why, so a moderator looks before approving.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).parent / "data"
LINK = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# More than this many links in one question is what spam looks like; a resident may
# paste one link to the pothole they mean.
MOST_LINKS = 1
# A question this long in letters, nearly all capitals, is shouting (or spam).
SHOUTING_MIN_LETTERS = 20
SHOUTING_SHARE = 0.8
# One word making up this share of a question of at least 8 words is repetition.
REPEATED_SHARE = 0.5
REPEATED_MIN_WORDS = 8


@functools.cache
def word_list(name: str) -> frozenset[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and line[0] != "#")


@dataclass
class Flags:
    spam: bool = False
    abusive: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return "; ".join(self.reasons)[:300]


def flag_question(text: str, *, recent_texts: list[str] | None = None) -> Flags:
    """Return the spam and abuse flags for `text`, with reasons a moderator can read.

    `recent_texts` are the same sender's last questions: sending the same text again is
    a flood sign.
    """
    flags = Flags()
    lowered = text.lower()
    links = len(LINK.findall(text))
    if links > MOST_LINKS:
        flags.spam = True
        flags.reasons.append(f"{links} links")
    phrases = sorted(phrase for phrase in word_list("spam_phrases.txt") if phrase in lowered)
    if phrases:
        flags.spam = True
        flags.reasons.append("spam phrase: " + ", ".join(phrases[:3]))
    letters = [character for character in text if character.isalpha()]
    capitals = sum(1 for character in letters if character.isupper())
    if len(letters) >= SHOUTING_MIN_LETTERS and capitals / len(letters) >= SHOUTING_SHARE:
        flags.spam = True
        flags.reasons.append("all capitals")
    words = [word.lower() for word in WORD.findall(text)]
    if len(words) >= REPEATED_MIN_WORDS:
        _, most = Counter(words).most_common(1)[0]
        if most / len(words) >= REPEATED_SHARE:
            flags.spam = True
            flags.reasons.append("one word repeated")
    normalised = " ".join(lowered.split())
    if recent_texts and any(" ".join(t.lower().split()) == normalised for t in recent_texts):
        flags.spam = True
        flags.reasons.append("sent before")
    abusive = sorted(set(words) & word_list("abusive_words.txt"))
    if abusive:
        flags.abusive = True
        flags.reasons.append(f"{len(abusive)} abusive word(s)")
    return flags
