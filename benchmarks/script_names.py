"""Names across scripts: Japanese legal names vs English names (EDINET), UN original-script names.

1. EDINET even half (Japan FSA filer list): every company with a Japanese legal name and an
   English name contributes both as records; ``resolver dedupe`` with the shipped model should
   put the two in one entity (pairwise and B-cubed F1), next to rapidfuzz (``token_sort_ratio``
   on unidecoded names, token blocking).
2. UN consolidated list: each entry's name in original script (Arabic-script or Cyrillic) is
   scored against every Latin name (listed name and aliases) of every entry: pairs of the same
   entry are true. The match-weight cut is the lowest with precision >= 0.95 on the dev half
   (recall-maximising), applied to the test half; per script, next to rapidfuzz
   ``token_sort_ratio`` on unidecoded names with its cut chosen the same way.

Both are split into dev and test halves by entity (sha1 of the EDINET code / UN reference,
``benchmarks.dedupe_quality.is_test_entity``); test figures are the ones to report.
``--baseline-src DIR`` adds the rows of another checkout's ``src`` (e.g. ``git archive main``),
run in a subprocess with that resolver and its shipped model.

Run: ``python -m benchmarks.script_names [--baseline-src DIR] [--results-dir DIR]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from benchmarks.baselines import clean_text, rapidfuzz_dedupe
from benchmarks.common import machine_info, measure, print_table, write_result
from benchmarks.datasets import DataUnavailable, edinet_name_pairs, un_original_script_names
from benchmarks.dedupe_quality import is_test_entity, pairs_completeness
from resolver.evaluate import bcubed_metrics, pairwise_metrics

log = logging.getLogger(__name__)
TARGET_PRECISION = 0.95
EDINET_COLUMNS = [
    "split",
    "method",
    "records",
    "precision",
    "recall",
    "f1",
    "bcubed_f1",
    "pairs_completeness",
    "seconds",
]
UN_COLUMNS = [
    "script",
    "method",
    "originals",
    "true_pairs",
    "pairs",
    "cut",
    "precision",
    "recall",
    "recall_at_p95_oracle",
]


def _prf(m: dict) -> dict:
    return {k: round(float(m[k]), 4) for k in ("precision", "recall", "f1")}


# --------------------------------------------------------------------------------------------
# EDINET


def _resolver_clusters(records: pd.DataFrame, details: dict) -> pd.Series:
    """Dedupe with the shipped model; the result goes into ``details`` (pairs completeness)."""
    from resolver import Resolver

    result = Resolver.load().dedupe(records[["id", "name"]])
    details["result"] = result
    table = result.clusters.select(["id", "entity_id"])
    return pd.Series(table.column("entity_id").to_pylist(), index=table.column("id").to_pylist())


def edinet_rows(method: str, with_baselines: bool) -> list[dict]:
    """Dedupe of both names of each company, per split (test first)."""
    records, truth = edinet_name_pairs()
    test = truth.map(is_test_entity).to_numpy()
    rows = []
    for split, mask in (("test", test), ("dev", ~test)):
        part = records[mask].reset_index(drop=True)
        truth_map = dict(zip(part["id"], truth[mask].to_numpy(), strict=True))
        details: dict = {}
        runs = {method: lambda p=part, d=details: _resolver_clusters(p, d)}
        if with_baselines:
            runs["rapidfuzz token_sort + blocking"] = lambda p=part: rapidfuzz_dedupe(
                p[["id", "name"]], scorer="token_sort_ratio"
            )
        for name, run in runs.items():
            clusters, seconds, _ = measure(run)
            pred = {str(k): v for k, v in clusters.items()}
            pw, b3 = pairwise_metrics(pred, truth_map), bcubed_metrics(pred, truth_map)
            result = details.pop("result", None) if name == method else None
            pc = None
            if result is not None:
                pc = pairs_completeness(result, pd.Series(truth_map).rename(index=str))
            rows.append(
                {
                    "split": split,
                    "method": name,
                    "records": len(part),
                    **_prf(pw),
                    "bcubed_f1": round(b3["f1"], 4),
                    "pairs_completeness": None if pc is None else round(pc, 4),
                    "seconds": round(seconds, 2),
                }
            )
    return rows


# --------------------------------------------------------------------------------------------
# UN original script vs Latin names


def _un_pairs() -> pd.DataFrame:
    """Every (original-script name, Latin name) pair within a split: script, split, truth."""
    from resolver.normalize.text import detect_script

    names = un_original_script_names()
    names["test"] = names["entry"].map(is_test_entity)
    originals = names[names["kind"] == "original"].copy()
    originals["script"] = originals["name"].map(detect_script)
    latin = names[names["kind"] == "latin"]
    pairs = originals.merge(latin, on="test", suffixes=("_o", "_l"))
    return pd.DataFrame(
        {
            "script": pairs["script"],
            "test": pairs["test"],
            "entry": pairs["entry_o"],
            "original": pairs["name_o"],
            "latin": pairs["name_l"],
            "is_match": (pairs["entry_o"] == pairs["entry_l"]).to_numpy(),
        }
    )


def _resolver_pair_scores(pairs: pd.DataFrame) -> np.ndarray:
    """Match weight of each pair (name evidence only), scored once per distinct pair."""
    from resolver import Resolver
    from resolver.pairs import score_pairs

    resolver = Resolver.load()
    distinct = pairs[["original", "latin"]].drop_duplicates().reset_index(drop=True)

    def table(names: pd.Series) -> pa.Table:
        return pa.table({"id": [str(i) for i in range(len(names))], "name": names.tolist()})

    scored = score_pairs(
        resolver.engine, resolver.params, table(distinct["original"]), table(distinct["latin"])
    ).to_pandas()
    distinct["w"] = scored["match_weight"].fillna(-99.0).to_numpy()
    return pairs.merge(distinct, on=["original", "latin"], how="left")["w"].to_numpy()


def _rapidfuzz_pair_scores(pairs: pd.DataFrame) -> np.ndarray:
    from rapidfuzz import fuzz

    return np.array(
        [
            fuzz.token_sort_ratio(clean_text(a) or "", clean_text(b) or "") / 100.0
            for a, b in zip(pairs["original"], pairs["latin"], strict=True)
        ]
    )


def _cut_at_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    """Lowest score cut whose precision is >= TARGET_PRECISION (inf when none reaches it)."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    tp = np.cumsum(y)
    precision = tp / np.arange(1, len(y) + 1)
    best = np.inf
    for i in range(len(s)):
        if (i + 1 == len(s) or s[i + 1] < s[i]) and precision[i] >= TARGET_PRECISION:
            best = s[i]
    return float(best)


def _at_cut(scores: np.ndarray, labels: np.ndarray, cut: float) -> tuple[float, float]:
    """(precision, recall) of score >= cut."""
    pred = scores >= cut
    tp = int((pred & labels).sum())
    return (tp / pred.sum() if pred.sum() else 1.0), (tp / labels.sum() if labels.sum() else 0.0)


def un_rows(method: str, with_baselines: bool) -> list[dict]:
    """Per script: the dev-chosen cut applied to the test half, and the test oracle recall."""
    pairs = _un_pairs()
    scorers = {method: _resolver_pair_scores}
    if with_baselines:
        scorers["rapidfuzz token_sort"] = _rapidfuzz_pair_scores
    rows = []
    for name, scorer in scorers.items():
        pairs["score"] = scorer(pairs)
        for script, group in pairs.groupby("script", sort=True):
            dev, test = group[~group["test"]], group[group["test"]]
            labels = test["is_match"].to_numpy()
            cut = _cut_at_precision(dev["score"].to_numpy(), dev["is_match"].to_numpy())
            precision, recall = _at_cut(test["score"].to_numpy(), labels, cut)
            oracle = _cut_at_precision(test["score"].to_numpy(), labels)
            rows.append(
                {
                    "script": script,
                    "method": name,
                    "originals": int(test["original"].nunique()),
                    "true_pairs": int(labels.sum()),
                    "pairs": len(test),
                    "cut": round(cut, 3) if np.isfinite(cut) else None,
                    "precision": round(precision, 4),
                    "recall": round(recall, 4),
                    "recall_at_p95_oracle": round(
                        _at_cut(test["score"].to_numpy(), labels, oracle)[1], 4
                    ),
                }
            )
    return rows


# --------------------------------------------------------------------------------------------
# command line


def _baseline_rows(src: Path, label: str) -> dict:
    """The resolver rows of another checkout's src, run in a subprocess with that resolver."""
    with tempfile.TemporaryDirectory(prefix="resolver-bench-scripts-") as tmp:
        out = Path(tmp) / "rows.json"
        env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{Path.cwd()}"}
        cmd = [sys.executable, "-m", "benchmarks.script_names", "--rows-only", str(out)]
        subprocess.run([*cmd, "--method", label], env=env, check=True)
        return json.loads(out.read_text("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results-dir", type=Path, default=None, help="JSON folder (results/)")
    parser.add_argument(
        "--baseline-src", type=Path, default=None, help="another checkout's src to compare with"
    )
    parser.add_argument("--baseline-label", default="resolver @ main", help="its method name")
    parser.add_argument("--rows-only", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--method", default="resolver (this commit)", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.rows_only is not None:  # the baseline subprocess: resolver rows only
        rows = {"edinet": edinet_rows(args.method, False), "un": un_rows(args.method, False)}
        args.rows_only.write_text(json.dumps(rows), encoding="utf-8")
        return 0
    payload: dict = {"machine": machine_info(), "command": "python -m benchmarks.script_names"}
    try:
        payload["edinet"] = edinet_rows(args.method, True)
        payload["un"] = un_rows(args.method, True)
    except DataUnavailable as exc:
        print(f"skipped: {exc}")
        payload["skipped"] = str(exc)
        write_result("script_names", payload, args.results_dir)
        return 0
    if args.baseline_src is not None:
        base = _baseline_rows(args.baseline_src.resolve(), args.baseline_label)
        payload["edinet"] += base["edinet"]
        payload["un"] += base["un"]
        payload["baseline_src"] = str(args.baseline_src)
    payload["edinet"].sort(key=lambda r: (r["split"] != "test", r["split"]))
    payload["un"].sort(key=lambda r: r["script"])
    print_table(
        payload["edinet"],
        EDINET_COLUMNS,
        title="EDINET: Japanese legal name + English name of each company, dedupe (pairwise)",
    )
    print_table(
        payload["un"],
        UN_COLUMNS,
        title=f"UN: original script vs Latin names, test half at the dev cut for P >= {TARGET_PRECISION}",
    )
    write_result("script_names", payload, args.results_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
