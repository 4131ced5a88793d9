"""Time the redaction guard's matching: a 5,000-character session note against 5 victims.

    .venv/bin/python benchmarks/redaction.py              # 200 checks, prints median and p95
    .venv/bin/python benchmarks/redaction.py --runs 1000 --chars 20000 --victims 10

Times `Identifiers.prepare` (once per guarded request) and `Identifiers.kinds_in` (once per
field) on synthetic victims and clean clinical prose, the worst case: a clean note cannot stop
at its first hit. No database: the identifier source is not involved. The target (ADR 0012)
is well under 50 ms per note. Then the same check on hostile text of the same length (one
long word, a chain of lookalike letters after a digit), which once took minutes (issue 20).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SENTENCES = [
    "Attended on time and engaged well in the group.",
    "We practised distress tolerance and mindfulness for twenty minutes.",
    "He described feeling rejected and angry after the hearing in 2025.",
    "We discussed the order, his work, his sleep and a plan for the weekend.",
    "Risk discussed with the supervisor; no new concerns at 14:30.",
    "Homework: the emotion regulation worksheet, session 7 of 12.",
    "He walked to the appointment and turned his phone off.",
    "He was fairly settled and talked about his mother and his brother.",
    "He scored 14 on the measure, down from 21 at assessment (item 3: 2).",
    "In his 30s he moved house 5 times; he rents a flat on the harbour now.",
]
VICTIMS = [
    ("Niamh", "Fairley", "56 Harbour Way, Bognor Regis", "PO21 8XR", "07700 900091"),
    ("Rebecca", "Holloway", "12 Downs View, Brighton", "BN1 1AA", "07700 900033"),
    ("Philippa", "Ashworth-Beaumont", "Flat 3\n17 Wisteria Crescent", "BN3 7QZ", "01273 900044"),
    ("Al", "Li", "2 Mill Lane, Lewes", "BN7 2AB", "+44 7700 900123"),
    ("Siobhan", "O'Connell", "9 Lowmead Gardens, Chichester", "PO19 1AB", "07700 900456"),
]


def _pairs(victims: int) -> list[tuple[str, str]]:
    pairs = []
    for n in range(victims):
        first, last, address, postcode, phone = VICTIMS[n % len(VICTIMS)]
        pairs += [("name", first), ("name", last), ("name", f"{first} {last}")]
        pairs += [("address", address), ("postcode", postcode), ("phone", phone)]
        pairs += [("email", f"{first}.{last}@example.org".lower()), ("safe_word", "lighthouse")]
    return pairs


def _note(chars: int) -> str:
    words: list[str] = []
    i = 0
    while len(" ".join(words)) < chars:
        words.append(SENTENCES[i % len(SENTENCES)])
        i += 1
    return " ".join(words)[:chars]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--chars", type=int, default=5000)
    parser.add_argument("--victims", type=int, default=5)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from desist.sharing.redaction import Identifiers

    pairs, note = _pairs(args.victims), _note(args.chars)
    prepare, check = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        ids = Identifiers.prepare(pairs)
        middle = time.perf_counter()
        kinds = ids.kinds_in(note)
        check.append(time.perf_counter() - middle)
        prepare.append(middle - start)
    assert kinds == [], kinds  # clean prose: every check runs to the end

    def ms(values: list[float]) -> str:
        p95 = sorted(values)[int(len(values) * 0.95) - 1]
        return f"median {statistics.median(values) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"

    print(f"{len(note)} characters, {args.victims} victims ({len(pairs)} identifiers)")
    print(f"prepare:  {ms(prepare)}")
    print(f"kinds_in: {ms(check)}")

    ids = Identifiers.prepare(pairs)
    half = args.chars // 2
    hostile = {
        "one long word": "x" * args.chars,
        "lookalikes after a digit": "1" + " o" * half,
        "lookalikes before a digit": "o " * half + "1",
        "letters and gaps": "x " * half,
    }
    for label, text in hostile.items():
        times = []
        for _ in range(max(1, args.runs // 20)):
            start = time.perf_counter()
            ids.kinds_in(text)
            times.append(time.perf_counter() - start)
        print(f"kinds_in, {label}: {ms(times)}")


if __name__ == "__main__":
    main()
