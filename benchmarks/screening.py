"""Screening benchmark: quality and speed of ``Screener`` next to a brute-force rapidfuzz baseline.

Run from the repository root: ``python -m benchmarks.screening`` (``--quick`` for a smaller run,
``--no-shared`` to skip the OFAC/UN parts, ``--results-dir DIR`` to write the JSON elsewhere,
``--seed N`` for other generated data: tune on other seeds, report seed 7).

* generated trade data (``resolver.synth``) screened against its generated watch list;
* perturbed OFAC even-half organisation names (typos, other romanizations, dropped or swapped
  legal forms; fixed seed) screened against the OFAC even-half list;
* batch throughput (records/s) and ``screen_one`` latency (median, p99) against the full OFAC
  even-half + UN lists, the list load with and without the list index cache;
* whole ``resolver screen`` processes on 2,350 records (perturbed OFAC + UN names padded with
  generated parties): the first run against a list builds its cache, the second reads it.
  The cache folder is a temporary one for the whole run ($RESOLVER_CACHE_DIR).

The baseline scores each query against every list name with rapidfuzz ``token_set_ratio`` on
cleaned text and flags the best list party when its score >= 0.85.
Recall and precision count (record id, list_id) pairs flagged as matches (what an analyst reviews:
one alert per record and listed party). On OFAC/UN a pair is correct when the list party is the
record's true party or lists one of that party's names verbatim (the same entity on two lists).
On generated data ``list_truth.csv`` maps each listed entity to its one list_id and a list entry
sharing its name is a different entity (the generator's near-twins and name collisions), so
only that list_id is correct; entity rows count (entity, list_id) pairs, an entity flagged when
any of its records is. ``indistinguishable`` counts flagged wrong-party pairs whose explanation
has the same name and no evidence against (no negative contribution): no screener comparing
these fields can tell them from true matches.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.baselines import clean_text
from benchmarks.common import machine_info, print_table, write_result
from benchmarks.datasets import DataUnavailable, data_dir

log = logging.getLogger(__name__)

SEED = 20260227
BASELINE_THRESHOLD = 0.85
_FORMS = (
    r"CLOSED JOINT STOCK COMPANY|OPEN JOINT STOCK COMPANY|PUBLIC JOINT STOCK COMPANY|"
    r"LIMITED LIABILITY COMPANY|LIMITED LIABILITY PARTNERSHIP|JOINT STOCK COMPANY|"
    r"CO\.,? LTD\.?|L\.L\.C\.?|LLC|LTD\.?|LIMITED|INC\.?|S\.A\.|SA|GMBH|JSC|OJSC|CJSC|PJSC|"
    r"OOO|OAO|ZAO|PAO|FZE|FZCO|CORPORATION|CORP\.?|COMPANY"
)
_LEGAL_END = re.compile(rf",?\s+({_FORMS})\s*$")
_LEGAL_START = re.compile(rf"^({_FORMS})\s+")
_ROMANIZE = (
    ("KH", "H"),
    ("YA", "IA"),
    ("YU", "IU"),
    ("SKIY", "SKY"),
    ("ZH", "J"),
    ("TS", "TZ"),
    ("OU", "U"),
)
_SWAPS = ("LLC", "LTD", "Limited", "JSC", "Co., Ltd.", "FZE", "S.A.", "GmbH", "Holding Company")


# ---- perturbed OFAC queries ----


def _drop_legal(name: str, rng: random.Random) -> str | None:
    out = _LEGAL_START.sub("", _LEGAL_END.sub("", name)).strip(" ,")
    return out if out != name and len(out) > 3 else None


def _swap_legal(name: str, rng: random.Random) -> str | None:
    base = _drop_legal(name, rng)
    return f"{base} {rng.choice(_SWAPS)}" if base else None


def _romanize(name: str, rng: random.Random) -> str | None:
    options = [(a, b) for a, b in _ROMANIZE if a in name]
    if not options:
        return None
    a, b = rng.choice(options)
    return name.replace(a, b)


def _typo(name: str, rng: random.Random) -> str | None:
    words = [w for w in name.split() if len(w) >= 5 and w.isalpha()]
    if not words:
        return None
    word = rng.choice(words)
    i = rng.randrange(1, len(word) - 1)
    edit = rng.choice(("delete", "swap", "replace"))
    if edit == "delete":
        new = word[:i] + word[i + 1 :]
    elif edit == "swap":
        new = word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    else:
        new = word[:i] + rng.choice("AEIOUNRST") + word[i + 1 :]
    return name.replace(word, new, 1)


PERTURBATIONS = {
    "typo": _typo,
    "romanization": _romanize,
    "drop_legal": _drop_legal,
    "swap_legal": _swap_legal,
}


def perturbed_ofac(lists: pd.DataFrame, n: int, seed: int = SEED) -> pd.DataFrame:
    """Organisation names (primary and aliases) of the list, each perturbed one way."""
    rng = random.Random(seed)
    orgs = lists[(lists.entity_type == "organization") & lists.name_type.isin(["primary", "aka"])]
    orgs = orgs[orgs.name.str.split().str.len() >= 2].sort_values(["list_id", "name"])
    orgs = orgs.drop_duplicates("list_id").sample(frac=1.0, random_state=seed)
    rows, kinds = [], list(PERTURBATIONS)
    for r in orgs.itertuples():
        kind = kinds[len(rows) % len(kinds)]
        name = PERTURBATIONS[kind](r.name, rng)
        if name and name != r.name:
            country = r.country if rng.random() < 0.7 else None
            rows.append(
                {
                    "id": f"q{len(rows):05d}",
                    "name": name,
                    "country": country,
                    "truth": r.list_id,
                    "kind": kind,
                }
            )
        if len(rows) == n:
            break
    return pd.DataFrame(rows)


def same_party_pairs(lists: pd.DataFrame, ids: pd.Series, truth: pd.Series) -> set[tuple[str, str]]:
    """(id, list_id) pairs that are correct: the true party or a party listing one of its names."""
    df = lists.assign(key=lists.name.str.casefold())
    by_name = df.groupby("key").list_id.apply(set)
    names = df.groupby("list_id").key.apply(set)
    pairs: set[tuple[str, str]] = set()
    for qid, party in zip(ids, truth, strict=True):
        pairs |= {(qid, other) for key in names.get(party, ()) for other in by_name[key]}
    return pairs


# ---- scoring ----


def recall_precision(
    predicted: set[tuple[str, str]], expected: set[tuple[str, str]]
) -> dict[str, float]:
    """Recall, precision and F1 of predicted (id, list_id) pairs."""
    tp = len(predicted & expected)
    recall = tp / max(len(expected), 1)
    precision = tp / max(len(predicted), 1)
    f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
    return {"recall": recall, "precision": precision, "f1": f1, "flagged": len(predicted)}


def resolver_pairs(matches: pd.DataFrame, threshold: float | None = None) -> set[tuple[str, str]]:
    """Flagged (id, list_id) pairs: ``match`` or, with a threshold, score >= threshold."""
    hits = matches[matches.match] if threshold is None else matches[matches.score >= threshold]
    return set(zip(hits.id, hits.list_id, strict=True))


def best_threshold(matches: pd.DataFrame, expected: set[tuple[str, str]]) -> dict[str, float]:
    """The score threshold with the best F1 (for reference: the default threshold is the model's)."""
    best: dict[str, float] = {"f1": -1.0}
    for t in [x / 100 for x in range(5, 100, 5)]:
        r = recall_precision(resolver_pairs(matches, t), expected)
        if r["f1"] > best["f1"]:
            best = {"threshold": t, **r}
    return best


def _is_true(matches: pd.DataFrame, expected: set[tuple[str, str]]) -> list[bool]:
    """Per match row: is (record id, list id) a true link?"""
    return [(i, lid) in expected for i, lid in zip(matches.id, matches.list_id, strict=True)]


def max_recall_at_precision(
    matches: pd.DataFrame, expected: set[tuple[str, str]], precision: float = 0.95
) -> dict[str, float]:
    """The highest recall of any score threshold whose flagged pairs reach ``precision``."""
    ranked = matches.sort_values("score", ascending=False)
    hit = _is_true(ranked, expected)
    best: dict[str, float] = {"threshold": 1.0, "recall": 0.0, "precision": 1.0, "flagged": 0}
    tp = 0
    scores = ranked.score.tolist()
    for k, (score, ok) in enumerate(zip(scores, hit, strict=True), start=1):
        tp += ok
        if k < len(scores) and scores[k] == score:
            continue  # a threshold flags every pair of its score
        recall = tp / max(len(expected), 1)
        if tp / k >= precision and recall > best["recall"]:
            best = {"threshold": score, "recall": recall, "precision": tp / k, "flagged": k}
    return best


RELIABILITY_BINS = (0.05, 0.2, 0.4, 0.5, 0.6, 0.8, 0.9, 0.95, 0.99, 1.0)


def reliability(matches: pd.DataFrame, expected: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """Per score bin: candidates, mean score and the share that are true (calibration check)."""
    hit = pd.Series(_is_true(matches, expected), index=matches.index, dtype=float)
    rows = []
    edges = (0.0, *RELIABILITY_BINS)
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (matches.score >= lo) & ((matches.score < hi) | (hi == 1.0))
        if inside.any():
            rows.append(
                {
                    "bin": f"[{lo:g}, {hi:g}{']' if hi == 1.0 else ')'}",
                    "candidates": int(inside.sum()),
                    "mean_score": round(float(matches.score[inside].mean()), 3),
                    "true_share": round(float(hit[inside].mean()), 3),
                }
            )
    return rows


def rapidfuzz_screen(
    queries: pd.DataFrame, lists: pd.DataFrame
) -> tuple[set[tuple[str, str]], float]:
    """Brute force: each query against every list name (token_set_ratio), best party if >= 0.85."""
    from rapidfuzz import fuzz, process

    names = [clean_text(n) or "" for n in lists.name]
    ids = lists.list_id.tolist()
    cleaned = [clean_text(n) or "" for n in queries.name]
    t0 = time.perf_counter()
    scores = process.cdist(cleaned, names, scorer=fuzz.token_set_ratio, workers=-1, dtype="uint8")
    best = scores.argmax(axis=1)
    seconds = time.perf_counter() - t0
    flagged = {
        (qid, ids[j])
        for qid, j, row in zip(queries.id, best, scores, strict=True)
        if row[j] / 100 >= BASELINE_THRESHOLD
    }
    return flagged, seconds


def rapidfuzz_latency(queries: list[str], lists: pd.DataFrame) -> list[float]:
    """Per-query seconds of the brute-force baseline (one query at a time, one thread)."""
    from rapidfuzz import fuzz, process

    names = [clean_text(n) or "" for n in lists.name]
    out = []
    for q in queries:
        t0 = time.perf_counter()
        process.extractOne(clean_text(q) or "", names, scorer=fuzz.token_set_ratio)
        out.append(time.perf_counter() - t0)
    return out


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {"median_ms": statistics.median(values) * 1000, "p99_ms": p99 * 1000}


# ---- benchmark parts ----


def bench_generated(entities: int, seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Generated trade parties against their generated list: result rows and the calibration
    table (``reliability``)."""
    from resolver.screening import Screener
    from resolver.synth import generate

    with tempfile.TemporaryDirectory(prefix="resolver-bench-screen-") as tmp:
        out = Path(tmp)
        generate(out, entities, seed=seed)
        screener = Screener.load(out / "list.csv")
        parties = pd.read_csv(out / "parties.csv", dtype=str, keep_default_na=False).replace(
            "", None
        )
        t0 = time.perf_counter()
        result = screener.screen(out / "parties.csv", all_candidates=True)
        seconds = time.perf_counter() - t0
        truth = pd.read_csv(out / "truth.csv", dtype=str)
        listed = pd.read_csv(out / "list_truth.csv", dtype=str)
        lists = screener.lists.to_pandas()
    full_id = {i.split(":", 1)[1]: i for i in lists.list_id}
    joined = truth.merge(listed, on="entity_id")
    expected = set(zip(joined.id, joined.list_id.map(full_id), strict=True))
    entity_of = dict(zip(truth.id, truth.entity_id, strict=True))
    matches = result.matches.to_pandas()
    dataset = f"generated ({entities} entities, {lists.list_id.nunique()} listed parties)"
    flagged = resolver_pairs(matches)
    rows = [
        {
            "dataset": dataset,
            "method": f"resolver (threshold {screener.threshold:g})",
            **recall_precision(flagged, expected),
            "records_per_s": len(parties) / seconds,
            "indistinguishable": indistinguishable(matches, expected),
        },
        {
            "dataset": f"  per entity ({joined.entity_id.nunique()} listed entities traded)",
            "method": f"resolver (threshold {screener.threshold:g})",
            **recall_precision(per_entity(flagged, entity_of), per_entity(expected, entity_of)),
        },
    ]
    rows.append(_best_threshold_row(dataset, matches, expected))
    at95 = max_recall_at_precision(matches, expected)
    rows.append(
        {
            "dataset": dataset,
            "method": f"resolver (max recall at P>=0.95: threshold {at95.pop('threshold'):g})",
            **at95,
        }
    )
    rows.append(_rapidfuzz_row(dataset, parties, lists, expected))
    return rows, [{"dataset": dataset, **b} for b in reliability(matches, expected)]


def _best_threshold_row(
    dataset: str, matches: pd.DataFrame, expected: set[tuple[str, str]]
) -> dict[str, Any]:
    """The reference row at the best-F1 score threshold."""
    best = best_threshold(matches, expected)
    return {
        "dataset": dataset,
        "method": f"resolver (best F1 threshold {best.pop('threshold'):g})",
        **best,
    }


def _rapidfuzz_row(
    dataset: str, queries: pd.DataFrame, lists: pd.DataFrame, expected: set[tuple[str, str]]
) -> dict[str, Any]:
    """The brute-force rapidfuzz baseline's row, with its throughput."""
    flagged, seconds = rapidfuzz_screen(queries, lists)
    return {
        "dataset": dataset,
        "method": "rapidfuzz token_set_ratio >= 0.85",
        **recall_precision(flagged, expected),
        "records_per_s": len(queries) / seconds,
    }


_SAME_NAME = re.compile(r"(^|; )name: (same name|same words|same letters)")


def indistinguishable(matches: pd.DataFrame, expected: set[tuple[str, str]]) -> int:
    """Flagged wrong-party pairs with the same name and no evidence against them."""
    hits = matches[matches.match]
    wrong = [not true for true in _is_true(hits, expected)]
    return sum(
        1
        for bad, text in zip(wrong, hits.explanation, strict=True)
        if bad and _SAME_NAME.search(text) and not re.search(r" -\d", text)
    )


def per_entity(pairs: set[tuple[str, str]], entity_of: dict[str, str]) -> set[tuple[str, str]]:
    """(entity, list_id) pairs of (record, list_id) pairs."""
    return {(entity_of[i], lid) for i, lid in pairs}


def bench_ofac(n_queries: int) -> list[dict[str, Any]]:
    """Perturbed OFAC organisation names against the OFAC even-half list."""
    from resolver.screening import Screener

    screener = Screener.load(data_dir() / "ofac_sdn_2023-12-28_even")
    lists = screener.lists.to_pandas()
    queries = perturbed_ofac(lists, n_queries)
    expected = same_party_pairs(lists, queries.id, queries.truth)
    t0 = time.perf_counter()
    result = screener.screen(queries.drop(columns=["truth", "kind"]), all_candidates=True)
    seconds = time.perf_counter() - t0
    matches = result.matches.to_pandas()
    dataset = f"perturbed OFAC orgs ({len(queries)} queries)"
    rows = [
        {
            "dataset": dataset,
            "method": f"resolver (threshold {screener.threshold:g})",
            **recall_precision(resolver_pairs(matches), expected),
            "records_per_s": len(queries) / seconds,
        }
    ]
    rows.append(_best_threshold_row(dataset, matches, expected))
    flagged = resolver_pairs(matches)
    for kind in PERTURBATIONS:
        ids = set(queries.id[queries.kind == kind])
        rows.append(
            {
                "dataset": f"  {kind} ({len(ids)})",
                "method": f"resolver (threshold {screener.threshold:g})",
                **recall_precision(
                    {p for p in flagged if p[0] in ids}, {p for p in expected if p[0] in ids}
                ),
            }
        )
    rows.append(_rapidfuzz_row(dataset, queries, lists, expected))
    return rows


def _lists() -> list[Path]:
    return [
        data_dir() / "ofac_sdn_2023-12-28_even",
        data_dir() / "un_consolidated_2026-02-27" / "UN_consolidated.xml",
    ]


def bench_speed(n_batch: int, n_latency: int) -> list[dict[str, Any]]:
    """Batch throughput, real-time latency and list load against OFAC even-half + UN."""
    from resolver.screening import Screener

    loads = []
    for _ in range(2):  # the first load builds the list index and caches it, the second reads it
        t0 = time.perf_counter()
        screener = Screener.load(*_lists())
        loads.append((time.perf_counter() - t0, screener.index_cached))
    lists = screener.lists.to_pandas()
    queries = perturbed_ofac(lists, max(n_batch, n_latency), seed=SEED + 1)
    batch = queries.head(n_batch).drop(columns=["truth", "kind"])
    t1 = time.perf_counter()
    screener.screen(batch)
    batch_s = time.perf_counter() - t1
    records = queries.head(n_latency).drop(columns=["truth", "kind"]).to_dict("records")
    t_first = time.perf_counter()
    screener.screen_one(records[0])  # builds the in-memory lookups once
    first_s = time.perf_counter() - t_first
    latencies = []
    for rec in records:
        t2 = time.perf_counter()
        screener.screen_one(rec)
        latencies.append(time.perf_counter() - t2)
    base = rapidfuzz_latency([r["name"] for r in records], lists)
    _, base_batch_s = rapidfuzz_screen(queries.head(n_batch), lists)
    dataset = f"OFAC even + UN ({len(lists)} names)"
    rows = [
        {
            "dataset": dataset,
            "method": f"resolver list load ({'cache' if cached else 'built, then cached'})",
            "seconds": seconds,
        }
        for seconds, cached in loads
    ]
    return rows + [
        {
            "dataset": dataset,
            "method": f"resolver batch ({len(batch)} records)",
            "records_per_s": len(batch) / batch_s,
        },
        {
            "dataset": dataset,
            "method": f"resolver screen_one ({len(records)} queries; first call {first_s:.1f}s)",
            **_ms(latencies),
            "records_per_s": len(records) / sum(latencies),
        },
        {
            "dataset": dataset,
            "method": "rapidfuzz brute force batch (all cores)",
            "records_per_s": n_batch / base_batch_s,
        },
        {
            "dataset": dataset,
            "method": "rapidfuzz brute force, one query (1 core)",
            **_ms(base),
            "records_per_s": len(base) / sum(base),
        },
    ]


PROCESS_RECORDS = 2350


def bench_process() -> list[dict[str, Any]]:
    """Whole ``resolver screen`` processes (start, list, screen, write) on 2,350 records."""
    from resolver.screening.lists import load_lists
    from resolver.synth import generate

    cli = Path(sys.executable).with_name("resolver")
    rows = []
    with tempfile.TemporaryDirectory(prefix="resolver-bench-process-") as tmp:
        out = Path(tmp)
        queries = perturbed_ofac(load_lists(_lists()).to_pandas(), PROCESS_RECORDS, seed=SEED + 1)
        generate(out / "synth", 1000, seed=1)
        padding = pd.read_csv(out / "synth" / "parties.csv", dtype=str, keep_default_na=False)
        padding = padding.head(PROCESS_RECORDS - len(queries))
        columns = [
            c
            for c in padding.columns
            if c in ("id", "name", "address", "city", "postcode", "country", "tax_id")
        ]
        records = pd.concat([queries.drop(columns=["truth", "kind"]), padding[columns]])
        records.to_csv(out / "records.csv", index=False)
        env = {**os.environ, "RESOLVER_CACHE_DIR": str(out / "cache")}
        for lists in (_lists()[:1], _lists()):
            name = " + ".join("UN" if p.suffix == ".xml" else "OFAC even" for p in lists)
            for run in ("first run (builds the list cache)", "second run (list cache)"):
                command = [str(cli), "screen", str(out / "records.csv"), "--out", str(out / "o")]
                command += [x for p in lists for x in ("--list", str(p))] + ["--overwrite"]
                t0 = time.perf_counter()
                subprocess.run(command, env=env, check=True, capture_output=True)
                seconds = time.perf_counter() - t0
                rows.append(
                    {
                        "dataset": f"{name}, {len(records)} records",
                        "method": f"resolver screen process, {run}",
                        "seconds": seconds,
                        "records_per_s": len(records) / seconds,
                    }
                )
            script = (
                "from resolver.screening import Screener; "
                f"Screener.load(*{[str(p) for p in lists]!r})"
            )
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", script], env=env, check=True)
            rows.append(
                {
                    "dataset": f"{name}, {len(records)} records",
                    "method": "start-up: python, imports and Screener.load from the cache",
                    "seconds": time.perf_counter() - t0,
                }
            )
    return rows


COLUMNS = [
    "dataset",
    "method",
    "recall",
    "precision",
    "f1",
    "flagged",
    "records_per_s",
    "seconds",
    "median_ms",
    "p99_ms",
    "indistinguishable",
]


def main(argv: list[str] | None = None) -> int:
    """Run the screening benchmark, print a table and write benchmarks/results/screening.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data (a smoke run)")
    parser.add_argument(
        "--entities", type=int, default=None, help="generated entities (default 6000)"
    )
    parser.add_argument(
        "--seed", type=int, default=7, help="seed of the generated data (default 7, held out)"
    )
    parser.add_argument(
        "--no-shared", action="store_true", help="skip the OFAC/UN parts (need ../shared/data)"
    )
    parser.add_argument(
        "--results-dir", type=Path, default=None, help="where to write the JSON (default results/)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    entities = args.entities or (1500 if args.quick else 6000)
    t0 = time.perf_counter()
    previous = os.environ.get("RESOLVER_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="resolver-bench-cache-") as cache:
        os.environ["RESOLVER_CACHE_DIR"] = cache  # this run's list index cache, removed after
        try:
            rows, calibration = bench_generated(entities, seed=args.seed)
            if not args.no_shared:
                try:
                    rows += bench_ofac(300 if args.quick else 1500)
                    rows += bench_speed(200 if args.quick else 2000, 200 if args.quick else 500)
                    if not args.quick:
                        rows += bench_process()
                except DataUnavailable as exc:
                    log.warning("skipping OFAC/UN parts: %s", exc)
        finally:
            if previous is None:
                os.environ.pop("RESOLVER_CACHE_DIR", None)
            else:
                os.environ["RESOLVER_CACHE_DIR"] = previous
    print_table(rows, COLUMNS, title="resolver screening")
    if calibration:
        print_table(calibration, list(calibration[0]), title="calibration (generated data)")
    path = write_result(
        "screening",
        {
            "benchmark": "screening",
            "seconds": time.perf_counter() - t0,
            "quick": args.quick,
            "seed": args.seed,
            "calibration": calibration,
            "baseline_threshold": BASELINE_THRESHOLD,
            "rows": rows,
            "machine": machine_info(),
        },
        results_dir=args.results_dir,
    )
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
