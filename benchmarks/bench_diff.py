"""Benchmark the word-level diff engines and rebase on clause-sized texts.

Builds a ~2,000-word text and variants that each differ from it by 60
scattered word edits (seeded, so every run measures the same inputs), then
prints the median time of several runs per operation: word_diff with every
available engine, rebase onto an accepted text whose edits touch the
proposal's and onto one whose edits stay clear, and a two-proposal overlay.

Run from the repository root:  .venv/bin/python benchmarks/bench_diff.py
"""

from __future__ import annotations

import random
import statistics
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drafting.domain.diff import (  # noqa: E402  (needs the path above)
    available_backends,
    default_backend,
    diff_stats,
    word_diff,
)
from drafting.domain.overlay import overlay  # noqa: E402
from drafting.domain.rebase import rebase  # noqa: E402
from drafting.domain.segmentation import _DICTIONARY_CACHE  # noqa: E402

segmentation_cache_clear = _DICTIONARY_CACHE.clear

SEED = 2024
WORD_COUNT = 2_000
EDIT_COUNT = 60
RUNS = 15


def make_vocabulary(rng: random.Random, size: int = 400) -> list[str]:
    return ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 10))) for _ in range(size)]


# Thai words for a text written as Thai is: words run together, spaces between phrases.
THAI_WORDS = ["ประเทศไทย", "สนับสนุน", "ส่งเสริม", "เศรษฐกิจ", "ชีวภาพ", "หมุนเวียน", "สีเขียว",
              "การค้า", "ที่", "ยั่งยืน", "ความร่วมมือ", "ภูมิภาค", "เอเปค", "พลังงาน", "สะอาด",
              "การลงทุน", "นวัตกรรม", "ทรัพยากร", "ธรรมชาติ", "สิ่งแวดล้อม"]


def thai_variant(rng: random.Random, words: list[str]) -> list[str]:
    """The same text shape with Thai words, every eighth word ending a phrase (a space)."""
    return [rng.choice(THAI_WORDS) + (" " if index % 8 == 7 else "")
            for index in range(len(words))]


def make_text(rng: random.Random, vocabulary: list[str], words: int) -> list[str]:
    """Words with sentence punctuation; returned as a word list (punctuation attached)."""
    result = []
    for index in range(words):
        word = rng.choice(vocabulary)
        if index % rng.randint(8, 16) == 0:
            word += rng.choice([",", ".", ";"])
        result.append(word)
    return result


def scatter_edits(
    rng: random.Random, words: list[str], vocabulary: list[str], edits: int,
    keep_clear_of: frozenset[int] = frozenset(),
) -> tuple[list[str], frozenset[int]]:
    """Replace, delete or insert a word at ``edits`` distinct random positions.

    Positions within two words of ``keep_clear_of`` are avoided.  Returns the
    edited words and the positions used.
    """
    allowed = [i for i in range(len(words))
               if not any(abs(i - taken) <= 2 for taken in keep_clear_of)]
    positions = frozenset(rng.sample(allowed, edits))
    edited = list(words)
    for position in sorted(positions, reverse=True):
        kind = rng.choice(["replace", "delete", "insert"])
        if kind == "replace":
            edited[position] = rng.choice(vocabulary)
        elif kind == "delete":
            del edited[position]
        else:
            edited.insert(position, rng.choice(vocabulary))
    return edited, positions


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    action()  # warm-up: imports, caches
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    rng = random.Random(SEED)
    vocabulary = make_vocabulary(rng)
    base_words = make_text(rng, vocabulary, WORD_COUNT)
    base = " ".join(base_words)
    proposed_words, used = scatter_edits(rng, base_words, vocabulary, EDIT_COUNT)
    proposed = " ".join(proposed_words)
    # One accepted text edits anywhere (some edits will touch the proposal's),
    # the other keeps two words away from every proposal edit.
    touching_base = " ".join(scatter_edits(rng, base_words, vocabulary, EDIT_COUNT)[0])
    disjoint_base = " ".join(scatter_edits(rng, base_words, vocabulary, EDIT_COUNT, used)[0])

    stats = diff_stats(word_diff(base, proposed))
    print(f"texts: {len(base_words)} words, {len(base)} chars; "
          f"{EDIT_COUNT} scattered word edits per variant "
          f"(diff sees +{stats['inserted_words']} / -{stats['deleted_words']} words)")
    print(f"median of {RUNS} runs\n")

    rows: list[tuple[str, float]] = []
    for backend in available_backends():
        rows.append((f"word_diff  [{backend}]",
                     median_ms(lambda b=backend: word_diff(base, proposed, backend=b))))
    engine = f"[{default_backend()}]"
    for new_base in (touching_base, disjoint_base):
        result = rebase(base, proposed, new_base)
        outcome = "clean" if result.clean else f"{len(result.conflicts)} conflicts"
        rows.append((f"rebase     {engine}  ({outcome})",
                     median_ms(lambda n=new_base: rebase(base, proposed, n))))
    rows.append((f"overlay x2 {engine}",
                 median_ms(lambda: overlay(base, [("A", proposed), ("B", disjoint_base)]))))

    # The same shapes in other scripts: Latin with accents (still the fast path) and Thai
    # (grapheme clusters and ICU's dictionary word breaks; results cached per phrase).
    accented_base, accented_proposed = (text.replace("e", "é") for text in (base, proposed))
    rows.append((f"word_diff  {engine}  accented Latin",
                 median_ms(lambda: word_diff(accented_base, accented_proposed))))
    thai_rng = random.Random(SEED)
    thai_base_words = thai_variant(thai_rng, base_words)
    thai_proposed_words, _ = scatter_edits(thai_rng, thai_base_words, THAI_WORDS, EDIT_COUNT)
    thai_base, thai_proposed = "".join(thai_base_words), "".join(thai_proposed_words)
    rows.append((f"word_diff  {engine}  Thai",
                 median_ms(lambda: word_diff(thai_base, thai_proposed))))
    segmentation_cache_clear()
    rows.append((f"word_diff  {engine}  Thai, ICU cache cold", median_ms(
        lambda: (segmentation_cache_clear(), word_diff(thai_base, thai_proposed)))))

    width = max(len(name) for name, _ in rows)
    print(f"{'operation':<{width}}  {'ms':>9}")
    print(f"{'-' * width}  {'-' * 9}")
    for name, ms in rows:
        print(f"{name:<{width}}  {ms:>9.2f}")


if __name__ == "__main__":
    main()
