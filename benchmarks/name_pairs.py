"""Labelled company-name pairs and OFAC alias regrouping: resolver next to its peers.

1. OpenSanctions' name bench (nomenklatura ``cases.csv``), Company/Organization/LegalEntity rows:
   every pair is scored by resolver's model (name evidence only, splink predict, no term
   frequencies) and compared with logic-v2's frozen scores at its own threshold 0.70. The cases
   are split into dev and test halves by a hash of the case; resolver's match-weight threshold
   is chosen on dev (best F1) and precision/recall/F1 are reported on test, for both matchers.
2. OFAC even-half alias records (every name and a.k.a. of an entity as its own record; truth =
   ent_num), all organisations and Russia-related ones, name only: ``resolver dedupe`` with the
   shipped model next to a plain unidecode + Jaro-Winkler splink model, in the same run.

Run: ``python -m benchmarks.name_pairs [--skip-ofac] [--results-dir DIR]`` (writes
benchmarks/results/name_pairs.json by default).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from benchmarks.baselines import plain_splink_dedupe
from benchmarks.common import QUALITY_COLUMNS, machine_info, measure, print_table, write_result
from benchmarks.datasets import DataUnavailable, name_bench_company_pairs, ofac_alias_records
from resolver import Resolver
from resolver.evaluate import bcubed_metrics, pairwise_metrics, threshold_metrics
from resolver.pairs import score_pairs

log = logging.getLogger(__name__)
LOGIC_V2_THRESHOLD = 0.70
SEEDS = [
    ("ООО «Ай Машин Технолоджи»", "AI MASHIN TEKHNOLODZHI OOO"),
    ("ООО «Ай Машин Технолоджи»", "I MACHINE TECHNOLOGY LLC"),
    ("Sberbank of Russia PJSC", "ПАО Сбербанк России"),
    ("I Machine Tools Co., Ltd.", "I Machine Technology LLC"),
]


def is_test(key: str) -> bool:
    """Deterministic half split: the test half is where the first sha1 byte is odd."""
    return hashlib.sha1(key.encode("utf-8")).digest()[0] % 2 == 1


def _score(resolver: Resolver, left: list[str], right: list[str]) -> pd.DataFrame:
    def table(names: list[str]) -> pa.Table:
        return pa.table({"id": [str(i) for i in range(len(names))], "name": names})

    return score_pairs(resolver.engine, resolver.params, table(left), table(right)).to_pandas()


def best_threshold(weights: np.ndarray, labels: np.ndarray) -> float:
    """The match-weight cut with the best F1 (ties: the higher cut)."""
    best = (-1.0, 0.0)
    for cut in np.unique(weights):
        f1 = threshold_metrics(weights, labels, cut)["f1"]
        if f1 >= best[0]:
            best = (f1, float(cut))
    return best[1]


def name_bench(resolver: Resolver) -> dict:
    cases = name_bench_company_pairs()
    scored = _score(resolver, cases["name1"].tolist(), cases["name2"].tolist())
    cases = cases.assign(weight=scored["match_weight"].fillna(-99.0).to_numpy())
    cases["test"] = [
        is_test(f"{g}|{a}|{b}")
        for g, a, b in zip(cases.case_group, cases.name1, cases.name2, strict=True)
    ]
    dev, test = cases[~cases.test], cases[cases.test]
    cut = best_threshold(dev.weight.to_numpy(), dev.is_match.to_numpy())
    rows = []
    for split, part in (("test", test), ("dev", dev), ("all", cases)):
        scored_v2 = part[part.logicv2_score.notna()]
        ours = threshold_metrics(part.weight.to_numpy(), part.is_match.to_numpy(), cut)
        ours_same = threshold_metrics(
            scored_v2.weight.to_numpy(), scored_v2.is_match.to_numpy(), cut
        )
        v2 = threshold_metrics(
            scored_v2.logicv2_score.to_numpy(), scored_v2.is_match.to_numpy(), LOGIC_V2_THRESHOLD
        )
        rows.append({"split": split, "method": "resolver", "pairs": len(part), **_prf(ours)})
        rows.append(
            {
                "split": split,
                "method": "resolver (pairs logic-v2 scored)",
                "pairs": len(scored_v2),
                **_prf(ours_same),
            }
        )
        rows.append(
            {"split": split, "method": "logic-v2 @0.70", "pairs": len(scored_v2), **_prf(v2)}
        )
    seeds = _score(resolver, [a for a, _ in SEEDS], [b for _, b in SEEDS])
    seed_rows = [
        {"name1": a, "name2": b, "match_weight": round(float(w), 2), "match": bool(w >= cut)}
        for (a, b), w in zip(SEEDS, seeds["match_weight"], strict=True)
    ]
    errors = test[(test.weight >= cut) != test.is_match]
    return {
        "threshold_match_weight": cut,
        "rows": rows,
        "seeds": seed_rows,
        "test_errors": errors[["name1", "name2", "is_match", "category", "weight", "logicv2_score"]]
        .head(40)
        .to_dict("records"),
    }


def _prf(m: dict) -> dict:
    return {k: round(m[k], 4) for k in ("precision", "recall", "f1")}


def ofac_regroup(resolver: Resolver) -> list[dict]:
    rows = []
    for label, russia in (
        ("OFAC even-half orgs, Russia-related", True),
        ("OFAC even-half orgs, all", False),
    ):
        records, truth = ofac_alias_records(russia_only=russia)
        keep = truth.map(lambda e: is_test(str(e)))
        records, truth = records[keep.to_numpy()].reset_index(drop=True), truth[keep]
        truth_map = dict(zip(records["id"], truth.to_numpy(), strict=True))
        for method, run in (
            ("resolver (default model)", lambda r=records: _resolver_clusters(resolver, r)),
            (
                "plain splink (unidecode + JW)",
                lambda r=records: plain_splink_dedupe(r, blocking="prefix"),
            ),
        ):
            clusters, seconds, peak = measure(run)
            pred = dict(zip(clusters.index, clusters.to_numpy(), strict=True))
            pw, b3 = pairwise_metrics(pred, truth_map), bcubed_metrics(pred, truth_map)
            rows.append(
                {
                    "dataset": f"{label} (test half)",
                    "method": method,
                    "records": len(records),
                    **_prf(pw),
                    "bcubed_f1": round(b3["f1"], 4),
                    "seconds": round(seconds, 2),
                    "peak_mb": round(peak, 1),
                }
            )
    return rows


def _resolver_clusters(resolver: Resolver, records: pd.DataFrame) -> pd.Series:
    result = resolver.dedupe(records[["id", "name"]])
    return pd.Series(
        result.clusters.column("entity_id").to_pylist(),
        index=result.clusters.column("id").to_pylist(),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--results-dir", type=Path, default=None, help="where to write the JSON (default results/)"
    )
    parser.add_argument(
        "--skip-ofac", action="store_true", help="only the labelled pairs (no OFAC regrouping)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    resolver = Resolver.load()
    payload: dict = {"machine": machine_info(), "command": "python -m benchmarks.name_pairs"}
    try:
        payload["name_bench"] = name_bench(resolver)
        print_table(
            payload["name_bench"]["rows"],
            ["split", "method", "pairs", "precision", "recall", "f1"],
            title=f"name bench, company rows (resolver cut: match weight >= {payload['name_bench']['threshold_match_weight']:.2f}, chosen on dev)",
        )
        print_table(
            payload["name_bench"]["seeds"],
            ["name1", "name2", "match_weight", "match"],
            title="seed pairs",
        )
        if args.skip_ofac:
            write_result("name_pairs", payload, args.results_dir)
            return 0
        payload["ofac"] = ofac_regroup(resolver)
        print_table(
            payload["ofac"],
            QUALITY_COLUMNS,
            title="OFAC alias regrouping, name only",
        )
    except DataUnavailable as exc:
        print(f"skipped: {exc}")
        payload["skipped"] = str(exc)
    write_result("name_pairs", payload, args.results_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
