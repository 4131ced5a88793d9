"""The redaction guard: text written by or shown to provider staff must not carry a linked
victim's identifiers. It is a second line behind the wall (provider text is composed from
provider-safe parts), not the wall itself.

Provider-side services call `guard_text(actor=..., subject=..., fields={...}, where=...)`
before they open their own transaction, and turn `RedactionBlocked` into form errors with
`RedactionBlocked.errors`. The alert rules call `is_clean(...)` to decide whether a text may go
to provider staff. How text is normalised and matched: docs/adr/0012-redaction-guard-matching.md.

The victims' identifiers come from an identifier source that safeguarding registers in its
`AppConfig.ready()` (`register_identifier_source`): sharing never imports safeguarding, so
nothing the provider side imports can reach safeguarding's models or selectors through here,
and no Victim row ever reaches the caller. Nothing here returns or echoes an identifier.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.sar import text as sar_text
from desist.sar.registry import WITHHELD

# Kind-neutral on purpose: the message must not confirm which identifier (or which kind) a
# guess hit, or the guard becomes an oracle for a victim's address.
MESSAGE = (
    "This looks like it contains a victim's personal details. Remove them and refer to the "
    "victim without details that could identify or locate them"
)

KINDS = ("name", "address", "postcode", "phone", "email", "safe_word")

# A name word alone matches only from this length; shorter ones ("Al", "Jo") match only as
# part of the whole name, so "et al" or "jo" in ordinary text is not blocked.
MIN_NAME_WORD = 3
# An email's local part, a safe word: at least this many letters and digits to match alone.
MIN_PHRASE_CHARS = 3
MIN_LOCAL_PART_CHARS = 4
MIN_PHONE_DIGITS = 6
# A name word takes a plural ending without an apostrophe ("Fairleys") from this length.
MIN_PLURAL_NAME = 4
# Name words and streets' distinctive words are matched one edit away from this length.
MIN_NEAR_MISS = 6

# Parts of names that are not identifying on their own.
NAME_PARTICLES = frozenset(
    {"de", "da", "di", "du", "del", "della", "la", "le", "van", "von", "der", "den", "bin", "al"}
    | {"el", "st", "mc", "mac", "ap", "ni", "o", "ben", "bint", "ibn", "ter", "ten"}
)

# Street-type abbreviations, read the same on both sides so "12 Downs Rd" meets "12 Downs Road".
STREET_WORDS = {
    "rd": "road",
    "st": "street",
    "str": "street",
    "ave": "avenue",
    "av": "avenue",
    "cres": "crescent",
    "cresc": "crescent",
    "ln": "lane",
    "dr": "drive",
    "drv": "drive",
    "cl": "close",
    "ct": "court",
    "crt": "court",
    "pl": "place",
    "gdns": "gardens",
    "gdn": "gardens",
    "sq": "square",
    "ter": "terrace",
    "terr": "terrace",
    "tce": "terrace",
    "pk": "park",
    "hl": "hill",
    "vw": "view",
    "wy": "way",
    "gr": "grove",
    "gro": "grove",
    "pde": "parade",
    "wlk": "walk",
    "grn": "green",
    "mt": "mount",
    "bvd": "boulevard",
    "blvd": "boulevard",
    "hwy": "highway",
    "esp": "esplanade",
}
STREET_TYPES = frozenset(STREET_WORDS.values()) | {"row", "mews", "rise", "hill", "end"}

# Ordinary words one edit from common surnames ("walked" and Walker, "homes" and Holmes):
# they still match a victim's name exactly, but never as a near miss. Extend when a clinical
# word is found blocked only as a near miss; see ADR 0012.
NEAR_MISS_EXEMPT = frozenset(
    {
        "fairly", "homes", "killer", "tailor", "parked", "palmed", "faster", "poster",
        "buttered", "butter", "better", "letter", "hunted", "walked", "walkers", "talker",
        "turned", "burner", "fished", "fishes", "cooked", "cooper", "banker", "barked",
        "harder", "header", "heater", "waiter", "writer", "worked", "marked",
        "market", "packer", "porker", "potter", "roster", "taller", "tanner", "winter",
        "wonder", "warden", "garden", "golden", "hopper", "stoned", "rocked", "rocker",
        "mother", "bother", "brother", "father", "rather", "either", "wilder",
    }
)  # fmt: skip

# Confusables fold: letters from other scripts that look like Latin ones, mapped to the Latin
# letter. A small hand-kept table (Cyrillic and Greek lookalikes, after NFKC) because no
# maintained confusables library is installed and the guard must not depend on a new package;
# see ADR 0012. Digits and letters that look alike (0/O, 1/l) are folded only inside tokens
# that carry digits (phones) and per character of a victim's postcode, never in words.
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic lower case
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "һ": "h", "ɡ": "g", "ь": "b",
        # Cyrillic upper case
        "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O",
        "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ї": "I", "Ј": "J",
        "Ѕ": "S", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Ӏ": "I", "Һ": "H",
        # Greek
        "α": "a", "β": "b", "γ": "y", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
        # Latin lookalikes NFKC leaves alone
        "ı": "i", "ȷ": "j", "ɑ": "a",
    }
)  # fmt: skip
_APOSTROPHES = re.compile(r"['’‘`´ʼʹ′]")
_WORD = re.compile(r"[a-z0-9]+")
# Runs of digits joined only by spaces and phone punctuation: "+44 (0)7700 900-123".
_PHONE_RUN = re.compile(r"\+?\d[\d\s().\-/]*\d")
# Letters typed for digits, read as digits in a token that already carries a digit ("0770O").
_DIGIT_LOOKALIKES = str.maketrans("oilsb", "01158")
# Anchored at a token's start: unanchored, a long run with no digit was retried from every
# position, quadratic (20,000 letters took 54 s, on every page showing the text).
_DIGIT_TOKEN = re.compile(r"(?<![a-z0-9])[a-z0-9]*\d[a-z0-9]*")
_ANY_WORD = re.compile(r"\w+")
_LOOKALIKE_WORD = re.compile(r"[oilsb]+")
_NUMBER_GAP = re.compile(r"[\s().\-/]+")
# Each character of a victim's postcode also as its lookalikes ("P021 8XR" for "PO21 8XR").
_POSTCODE_LOOKALIKES = {"o": "o0", "0": "0o", "i": "i1l", "l": "l1i", "1": "1il"}
_POSTCODE_LOOKALIKES |= {"s": "s5", "5": "5s", "b": "b8", "8": "b8"}
# Three or more single letters or digits, each followed by one to three separators:
# "N i a m h", "N.I.A.M.H", "N - i - a".
_SPACED = re.compile(r"(?<![a-z0-9])(?:[a-z0-9][^a-z0-9]{1,3}){2,}[a-z0-9](?![a-z0-9])")


class RedactionBlocked(Exception):
    """`errors` maps each offending field name to a list of messages for the form."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("Text contains a victim's identifying details")
        self.errors = dict(errors)


# --- normalisation --------------------------------------------------------------------------


def fold(text: str) -> str:
    """NFKC, confusables to Latin, case folded, accents and invisible characters dropped."""
    text = unicodedata.normalize("NFKC", text or "").translate(_CONFUSABLES).casefold()
    if text.isascii():
        return text  # nothing below applies; the common case, and the slow loop
    text = unicodedata.normalize("NFKD", text)
    # Combining marks (accents) and format characters (zero-width spaces, soft hyphens,
    # direction overrides and isolates such as U+202E and U+2066: all category Cf).
    return "".join(
        c for c in text if not unicodedata.combining(c) and unicodedata.category(c) != "Cf"
    )


def _words(folded: str, *, apostrophe: str) -> list[str]:
    return _WORD.findall(_APOSTROPHES.sub(apostrophe, folded))


def _forms(text: str) -> list[str]:
    """The text as padded word sequences, read twice: apostrophes as breaks ("Rebecca's" ->
    "rebecca s") and as nothing ("O'Brien" -> "obrien")."""
    return _folded_forms(fold(text))


def _folded_forms(folded: str) -> list[str]:
    return [f" {' '.join(_words(folded, apostrophe=a))} " for a in (" ", "")]


def _spaced_runs(folded: str) -> list[str]:
    """Letters typed one by one, joined: "n i a m h" -> "niamh"."""
    return [re.sub(r"[^a-z0-9]", "", m) for m in _SPACED.findall(folded)]


def _street(words: Iterable[str]) -> list[str]:
    return [STREET_WORDS.get(w, w) for w in words]


def _digit_lookalikes(folded: str) -> str:
    """Letters read as digits inside tokens that carry a digit: "0770o 9ooo91" -> "07700 900091".
    Words without a digit are left alone, so "so" and "bill" stay words.

    A word made only of lookalike letters next to a digit group ("07000 OOOOOO") is part of
    the number too, and so is a chain of such words reaching one. Read in two sweeps, linear in
    the text: re-substituting until nothing changed took minutes on "1 o o o ..." (issue 20)."""
    read = _DIGIT_TOKEN.sub(lambda m: m.group().translate(_DIGIT_LOOKALIKES), folded)
    words = list(_ANY_WORD.finditer(read))
    if not words:
        return read
    pure = [_LOOKALIKE_WORD.fullmatch(w.group()) is not None for w in words]
    # linked[i]: words i and i+1 are joined only by spaces and phone punctuation.
    linked = [
        _NUMBER_GAP.fullmatch(read, words[i].end(), words[i + 1].start()) is not None
        for i in range(len(words) - 1)
    ]
    read_as_digits = [False] * len(words)
    for i in range(1, len(words)):  # reached from a number on the left
        if pure[i] and linked[i - 1]:
            left = words[i - 1].group()
            read_as_digits[i] = read_as_digits[i - 1] or (not pure[i - 1] and left[-1].isdigit())
    for i in range(len(words) - 2, -1, -1):  # reached from a number on the right
        if pure[i] and linked[i] and not read_as_digits[i]:
            right = words[i + 1].group()
            read_as_digits[i] = read_as_digits[i + 1] or (not pure[i + 1] and right[0].isdigit())
    if not any(read_as_digits):
        return read
    parts: list[str] = []
    last = 0
    for word, as_digits in zip(words, read_as_digits, strict=True):
        if as_digits:
            parts.append(read[last : word.start()])
            parts.append(word.group().translate(_DIGIT_LOOKALIKES))
            last = word.end()
    parts.append(read[last:])
    return "".join(parts)


def _within_one(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance at most 1: one letter changed, added, dropped, or two
    neighbours swapped. Linear, because it runs for every candidate word of every text."""
    if a == b:
        return True
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    swapped = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i]
    return a[i + 1 :] == b[i + 1 :] or (swapped and a[i + 2 :] == b[i + 2 :])


def _near_keys(word: str) -> set[str]:
    """The word and each way of dropping one letter: two words within one edit share a key."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _inflection_of(word: str, target: str) -> bool:
    """'walked' for Walker, 'turned' for Turner: the same stem with another English ending."""
    endings = ("ed", "er", "es", "en", "est", "ers", "ing")
    return any(
        word.endswith(e) and target.endswith(f) and word[: -len(e)] == target[: -len(f)]
        for e in endings
        for f in endings
        if e != f
    )


def _compact(text: str) -> str:
    return "".join(_WORD.findall(fold(text)))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text or ""))


def _postcode_pattern(compact: str) -> re.Pattern[str]:
    """Any separators (or none) between the characters, not inside a word, each character
    also as its letter/digit lookalike."""
    separators = r"[\W_]*"
    chars = separators.join(f"[{_POSTCODE_LOOKALIKES.get(c, c)}]" for c in compact)
    return re.compile(rf"(?<![a-z0-9]){chars}(?![a-z0-9])")


def _phone_core(value: str) -> str:
    """The significant digits of a UK-style number: '+44 (0)7700 900123' -> '7700900123'."""
    digits = _digits(value)
    if digits.startswith("0044"):
        digits = digits[4:]
    elif value.strip().startswith("+44") or (digits.startswith("44") and len(digits) > 11):
        digits = digits[2:]
    return digits.lstrip("0")


# --- the prepared word list -----------------------------------------------------------------


NearIndex = Mapping[str, frozenset[tuple[str, str, str]]]


@dataclass(frozen=True)
class Identifiers:
    """A victim word list, prepared once and checked against many fields. Phrases are padded
    word sequences matched on whole words; postcodes as patterns; phones as digit cores;
    `spelled` the phrases without spaces, looked for in letters typed one by one; `near` the
    long name and street words, keyed for one-edit near misses (ADR 0012)."""

    phrases: tuple[tuple[str, frozenset[str]], ...]  # (kind, phrases)
    postcodes: tuple[re.Pattern[str], ...]
    phones: frozenset[str]
    spelled: tuple[tuple[str, frozenset[str]], ...] = ()  # (kind, compact phrases)
    # key -> (kind, word, context): context "" for a name word, "#56" for a street word after
    # its house number, "=way" for a street word before its street type.
    near: NearIndex = field(default_factory=dict)

    @classmethod
    def prepare(cls, pairs: Iterable[tuple[str, str]]) -> Identifiers:
        phrases: dict[str, set[str]] = {k: set() for k in KINDS}
        postcodes: list[re.Pattern[str]] = []
        phones: set[str] = set()
        near: dict[str, set[tuple[str, str, str]]] = {}
        for kind, value in pairs:
            if not value or not value.strip():
                continue
            if kind == "name":
                phrases["name"] |= _name_phrases(value)
                targets = {("name", w, "") for w in _near_name_words(value)}
            elif kind == "address":
                phrases["address"] |= _address_phrases(value)
                targets = {("address", w, c) for w, c in _near_street_words(value)}
            else:
                targets = set()
            for target in targets:
                for key in _near_keys(target[1]):
                    near.setdefault(key, set()).add(target)
            if kind == "postcode":
                compact = _compact(value)
                if len(compact) >= 5:
                    postcodes.append(_postcode_pattern(compact))
            elif kind == "phone":
                core = _phone_core(value)
                if len(core) >= MIN_PHONE_DIGITS:
                    phones.add(core)
            elif kind == "email":
                phrases["email"] |= _email_phrases(value)
            elif kind == "safe_word":
                phrases["safe_word"] |= _phrase_forms(value, min_chars=MIN_PHRASE_CHARS)
        return cls(
            phrases=tuple((k, frozenset(v)) for k, v in phrases.items() if v),
            postcodes=tuple(postcodes),
            phones=frozenset(phones),
            spelled=tuple(
                (k, frozenset(p.replace(" ", "") for p in v)) for k, v in phrases.items() if v
            ),
            near={key: frozenset(targets) for key, targets in near.items()},
        )

    def kinds_in(self, text: str) -> list[str]:
        """The kinds of identifier `text` contains, in KINDS order. Never the values."""
        if not text or not text.strip():
            return []
        found: set[str] = set()
        folded = fold(text)
        forms = _folded_forms(folded)
        streets = [f" {' '.join(_street(f.split()))} " for f in forms]
        runs = _spaced_runs(folded)
        for kind, phrases in self.phrases:
            haystack = streets if kind == "address" else forms
            if any(p in h for p in phrases for h in haystack):
                found.add(kind)
        for kind, compacts in self.spelled:
            if kind not in found and any(c in run for c in compacts for run in runs):
                found.add(kind)
        if self.near:
            found |= self._near_misses([f.split() for f in forms] + [runs])
        if self.postcodes and any(p.search(folded) for p in self.postcodes):
            found.add("postcode")
        if self.phones:
            digit_runs = [_digits(m) for m in _PHONE_RUN.findall(_digit_lookalikes(folded))]
            if any(core in run for run in digit_runs for core in self.phones):
                found.add("phone")
        return [k for k in KINDS if k in found]

    def _near_misses(self, sequences: list[list[str]]) -> set[str]:
        """Kinds found one edit away: a long name word alone; a street's distinctive word
        after its house number or before its street type."""
        found: set[str] = set()
        targets: dict[str, list[tuple[str, str, str]]] = {}  # per distinct word: notes repeat
        for words in sequences:
            for i, word in enumerate(words):
                if word not in targets:
                    targets[word] = self._near_targets(word)
                for kind, _target, context in targets[word]:
                    before = words[i - 1] if i else ""
                    after = words[i + 1] if i + 1 < len(words) else ""
                    if context in ("", f"#{before}", f"={STREET_WORDS.get(after, after)}"):
                        found.add(kind)
        return found

    def _near_targets(self, word: str) -> list[tuple[str, str, str]]:
        if len(word) < MIN_NEAR_MISS - 1 or word in NEAR_MISS_EXEMPT or word.isdigit():
            return []
        candidates = {t for key in _near_keys(word) for t in self.near.get(key, ())}
        return [t for t in candidates if _within_one(word, t[1]) and not _inflection_of(word, t[1])]


def _phrase_forms(value: str, *, min_chars: int) -> set[str]:
    """A value as padded phrases (both apostrophe readings), if long enough to match alone."""
    if len(_compact(value)) < min_chars:
        return set()
    return {f for f in _forms(value) if f.strip()}


def _name_phrases(value: str) -> set[str]:
    """The whole name (if it has two words or is long enough), and each word of it that is
    long enough and not a particle."""
    phrases = {f for f in _forms(value) if len(f.split()) > 1 or len(f.strip()) >= MIN_NAME_WORD}
    for form in list(phrases):
        for word in form.split():
            if len(word) >= MIN_NAME_WORD and word not in NAME_PARTICLES:
                phrases.add(f" {word} ")
            if len(word) >= MIN_PLURAL_NAME and word not in NAME_PARTICLES:
                phrases |= {f" {word}s ", f" {word}es "}  # "Fairleys", no apostrophe
    return phrases


def _near_name_words(value: str) -> set[str]:
    """The name's words long enough to be matched one edit away."""
    words = {w for form in _forms(value) for w in form.split()}
    return {w for w in words if len(w) >= MIN_NEAR_MISS and w.isalpha()}


def _near_street_words(value: str) -> set[tuple[str, str]]:
    """A street's distinctive words (not its type) long enough to be matched one edit away,
    each with what must stand beside it: its house number ("#56") or its type ("=way")."""
    found: set[tuple[str, str]] = set()
    parts = [_street(_words(fold(p), apostrophe="")) for p in re.split(r"[,\n;]+", value)]
    parts = [p for p in parts if p]
    for i, words in enumerate(parts):
        if i + 1 < len(parts) and all(w.isdigit() for w in words):
            words = words + parts[i + 1]
        for j, word in enumerate(words):
            if len(word) < MIN_NEAR_MISS or not word.isalpha() or word in STREET_TYPES:
                continue
            if j and any(c.isdigit() for c in words[j - 1]):
                found.add((word, f"#{words[j - 1]}"))
            if j + 1 < len(words) and words[j + 1] in STREET_TYPES:
                found.add((word, f"={words[j + 1]}"))
    return found


def _address_phrases(value: str) -> set[str]:
    """Each comma- or line-separated part of two or more words, with and without its house
    number ("12 downs view", "downs view"); a single word (a town) alone does not match.
    Number and street split over two parts ("12, Downs View") also match together."""
    parts = [_street(_words(fold(p), apostrophe="")) for p in re.split(r"[,\n;]+", value)]
    parts = [p for p in parts if p]
    phrases: set[str] = set()
    for i, words in enumerate(parts):
        if i + 1 < len(parts) and all(w.isdigit() for w in words):
            words = words + parts[i + 1]  # "12" then "Downs View"
        rest = [w for w in words if not any(c.isdigit() for c in w)]
        for candidate in (words, rest):
            if len(candidate) >= 2 and any(len(w) >= MIN_NAME_WORD for w in candidate):
                phrases.add(f" {' '.join(candidate)} ")
    return phrases


def _email_phrases(value: str) -> set[str]:
    """The whole address and its local part ("rebecca.jones" also as "rebecca jones")."""
    email = value.strip()
    phrases = _phrase_forms(email, min_chars=MIN_LOCAL_PART_CHARS)
    local = email.split("@", 1)[0]
    return phrases | _phrase_forms(local, min_chars=MIN_LOCAL_PART_CHARS)


# --- the identifier source (registered by safeguarding) -------------------------------------

IdentifierSource = Callable[..., Iterable[tuple[str, str]]]
_sources: list[IdentifierSource] = []


def register_identifier_source(source: IdentifierSource) -> None:
    """Called from safeguarding's AppConfig.ready(): `source(subject=...)` returns (kind, value)
    pairs for every victim linked to the subject. Kinds are those in KINDS."""
    if source not in _sources:
        _sources.append(source)


def identifiers_for(subject: Any) -> Identifiers:
    if not _sources:
        # Fail closed: a guard with no word list would pass everything.
        raise ImproperlyConfigured("No victim identifier source is registered with the guard")
    return Identifiers.prepare(pair for source in _sources for pair in source(subject=subject))


# --- the doors ------------------------------------------------------------------------------


def _kinds_by_field(subject: Any, fields: Mapping[str, str]) -> dict[str, list[str]]:
    if subject is None or not any((t or "").strip() for t in fields.values()):
        return {}
    identifiers = identifiers_for(subject)
    found = {field: identifiers.kinds_in(text or "") for field, text in fields.items()}
    return {field: kinds for field, kinds in found.items() if kinds}


def guard_text(
    *, subject: Any, fields: Mapping[str, str], actor: User | None = None, where: str = ""
) -> None:
    """Raise RedactionBlocked({field: [MESSAGE]}) if any of `fields` holds an identifier of a
    victim linked to `subject`. A subject of None (nothing linked yet) has no victims.

    A blocked attempt is audited (who, `where` it was typed, which field, which kind, never
    the value) in its own durable transaction, so the record stays although the write is
    refused. Call this before opening the transaction of the write it guards: inside one it
    raises RuntimeError rather than write an audit row that the refusal would roll back."""
    found = _kinds_by_field(subject, fields)
    if not found:
        return
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            category=Category.SECURITY,
            verb="redaction.blocked",
            obj=subject,
            new={"where": where, "fields": sorted(found), "kinds": found},
        )
    raise RedactionBlocked({field: [MESSAGE] for field in found})


def is_clean(*, subject: Any, texts: Iterable[str]) -> bool:
    """True when none of `texts` carries a linked victim's identifier. For text the system
    composes (alerts), which it replaces with a generic text instead: nothing is audited."""
    return not _kinds_by_field(subject, {str(i): t for i, t in enumerate(texts)})


# --- checked when shown, not only when saved (issue 11, ADR 0012) --------------------------


def identifiers_for_display(subject: Any) -> Identifiers | None:
    """The word list for one provider page (one lookup, however many texts it shows); None
    when there is no subject. Read-only: nothing is audited here."""
    return identifiers_for(subject) if subject is not None else None


def victim_identifier_kinds(
    text: str, *, subject: Any = None, identifiers: Identifiers | None = None
) -> list[str]:
    """The kinds of the subject's linked victims' identifiers `text` holds now, for text about
    to be shown to provider staff. Pass `identifiers` (from `identifiers_for_display`) to check
    many texts with one lookup. Never the values; never audited (the caller says where)."""
    if not (text or "").strip():
        return []
    if identifiers is None:
        identifiers = identifiers_for_display(subject)
    return identifiers.kinds_in(text) if identifiers is not None else []


def contains_victim_identifier(
    text: str, *, subject: Any = None, identifiers: Identifiers | None = None
) -> bool:
    """True when `text` holds an identifier of a victim linked to `subject` now (a victim
    added after the text was saved counts). Read-only: no audit, no exception."""
    return bool(victim_identifier_kinds(text, subject=subject, identifiers=identifiers))


# --- subject access (ADR 0031) --------------------------------------------------------------


def victim_redactor(subject: Any) -> Callable[[str], str]:
    """For a subject's access request: a function that removes the subject's linked victims'
    identifiers from a text, and withholds the whole text if the guard still finds one (a near
    miss, a spelled-out name). Built here, so the identifiers never leave this module."""
    return identifiers_redactor([pair for source in _sources for pair in source(subject=subject)])


def identifiers_redactor(pairs: list[tuple[str, str]]) -> Callable[[str], str]:
    """The same, for the (kind, value) pairs given: safeguarding passes the *other* victims'
    identifiers when it shows an order's terms to one victim's advocate (issue 20)."""
    phones = [value for kind, value in pairs if kind == "phone"]
    values = [value for kind, value in pairs if kind != "phone"]
    values += [value.split(",")[0] for kind, value in pairs if kind == "address"]
    values += [_compact(value) for kind, value in pairs if kind == "postcode"]
    # The subject has no e-mail address of his own in Desist: every address in a text goes.
    replace = sar_text.redactor(values, phones, keep_emails=())
    identifiers = Identifiers.prepare(pairs)

    def redact(text: str) -> str:
        text = replace(text)
        return WITHHELD if identifiers.kinds_in(text) else text

    return redact
