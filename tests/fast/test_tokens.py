"""The access-log tokenizer's split fast path equals the regex that defines it, on fixtures, generated and odd lines."""

from __future__ import annotations

import random
import re
from pathlib import Path

from processors.parsers._http import tokens
from streams.generator.engine import TrafficGenerator, TrafficSettings

# The original per-character alternation: the definition the faster forms must match.
REFERENCE = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')
DATA = Path(__file__).parents[1] / "data" / "parsers"


def reference(line: str) -> list[str]:
    return [m.group(1) if m.group(2) is None else m.group(2) for m in REFERENCE.finditer(line)]


def test_generated_and_fixture_lines() -> None:
    settings = TrafficSettings(seed=7, start="2024-01-01T00:00:00Z", rate=1000.0, max_records=3000,
                               datasets={"alb": 1.0})
    lines = [line for chunk in TrafficGenerator(settings).chunks() for line in chunk.lines]
    lines += [line for path in sorted(DATA.rglob("*")) if path.is_file() and path.suffix in {".log", ".txt", ""}
              for line in path.read_text(errors="replace").splitlines()]
    assert len(lines) > 3000
    for line in lines:
        assert tokens(line) == reference(line), line


def test_odd_quotes_escapes_and_whitespace() -> None:
    rng = random.Random(1)
    lines = ["".join(rng.choice('ab "\\\t\u00a0') for _ in range(rng.randint(0, 14))) for _ in range(50_000)]
    lines += ['a "b c', '"a""b"', '"a"b"c d"', 'x "\\"q\\"" y', '"" ""', '"', "a\"b c\" \"x\""]
    fast = sum(1 for line in lines if '"' in line and "\\" not in line and line.count('"') % 2 == 0)
    assert fast > 1000  # the split path was exercised, not only the regex fallback
    for line in lines:
        assert tokens(line) == reference(line), repr(line)
