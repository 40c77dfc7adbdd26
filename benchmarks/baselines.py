"""Baselines: what a user would otherwise do, to compare resolver against.

* :func:`rapidfuzz_dedupe` - token blocking + ``rapidfuzz`` ``token_set_ratio`` + connected
  components.
* :func:`plain_splink_dedupe` / :func:`plain_splink_link` - a plain splink 5 model as a user
  would write it in an afternoon (cleaned name, Jaro-Winkler / exact comparisons, exact-value
  blocking, standard training).

Dedupe baselines take records in resolver's input schema (``id``, ``name`` and optional
``address``, ``city``, ``postcode``, ``country``, ``tax_id``) and return a ``pd.Series`` mapping
every input id to a cluster id (the id of the cluster's first record in input order; singletons
are their own cluster). Both are deterministic for a given input and seed.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pandas as pd
from unidecode import unidecode

log = logging.getLogger(__name__)

OPTIONAL_COLUMNS = ("address", "city", "postcode", "country", "tax_id")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def clean_text(value: object) -> str | None:
    """Unidecode, lowercase, turn punctuation into spaces and collapse them; '' gives None."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = _NON_ALNUM.sub(" ", unidecode(str(value)).lower()).strip()
    return text or None


def _check_records(records: pd.DataFrame) -> pd.Series:
    """Validate the id / name columns and return ids as strings."""
    for col in ("id", "name"):
        if col not in records.columns:
            raise ValueError(f"records need an '{col}' column")
    ids = records["id"].astype(str)
    if not ids.is_unique:
        raise ValueError("record ids are not unique")
    return ids.reset_index(drop=True)


class _UnionFind:
    """Union-find over 0..n-1 with path halving; the root is the smallest index."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        """Root of i."""
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        """Merge the sets of i and j, keeping the smaller root."""
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            if rj < ri:
                ri, rj = rj, ri
            self.parent[rj] = ri

    def roots(self) -> list[int]:
        """Root of every element."""
        return [self.find(i) for i in range(len(self.parent))]


# --------------------------------------------------------------------------------------------
# rapidfuzz


def rapidfuzz_dedupe(
    records: pd.DataFrame,
    threshold: float = 0.85,
    block: str = "token",
    columns: Sequence[str] = ("name",),
    max_block_size: int | None = None,
    workers: int = 1,
    scorer: str = "token_set_ratio",
) -> pd.Series:
    """Fuzzy-name dedupe: token blocking, token_set_ratio >= threshold, connected components.

    Text = the cleaned values of ``columns`` joined by spaces (default the name only). With
    ``block="token"`` two records are compared when their cleaned names share a token of 3+
    characters held by at most ``max_block_size`` records (default min(1000, max(100, n/100)):
    very common tokens such as "ltd" or "bank" make no block). ``block="none"`` compares all
    pairs (small inputs only). Pairs scoring ``rapidfuzz.fuzz.token_set_ratio / 100 >=
    threshold`` are joined by union-find. ``scorer`` names another ``rapidfuzz.fuzz`` function
    (e.g. "token_sort_ratio", which does not score a name contained in another as 100).
    """
    from rapidfuzz import fuzz, process

    score_fn = getattr(fuzz, scorer, None)
    if score_fn is None or scorer.startswith("_"):
        raise ValueError(f"unknown rapidfuzz.fuzz scorer {scorer!r}")

    ids = _check_records(records)
    n = len(ids)
    missing = [c for c in columns if c not in records.columns]
    if missing:
        raise ValueError(f"records have no column(s) {missing}")
    names = [clean_text(v) for v in records["name"].to_numpy()]
    if list(columns) == ["name"]:
        texts = [t or "" for t in names]
    else:
        cleaned = [[clean_text(v) for v in records[c].to_numpy()] for c in columns]
        texts = [" ".join(p for p in parts if p) for parts in zip(*cleaned, strict=True)]
    cutoff = threshold * 100.0

    if block == "token":
        cap = max_block_size or min(1000, max(100, n // 100))
        blocks: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(names):
            if name:
                for tok in set(name.split()):
                    if len(tok) >= 3:
                        blocks[tok].append(i)
        groups = [idx for idx in blocks.values() if 2 <= len(idx) <= cap]
        skipped = sum(1 for idx in blocks.values() if len(idx) > cap)
        log.info(
            "rapidfuzz: %d records, %d blocks (%d tokens over the cap of %d skipped), "
            "%d candidate comparisons",
            n,
            len(groups),
            skipped,
            cap,
            sum(len(g) * (len(g) - 1) // 2 for g in groups),
        )
    elif block == "none":
        if n > 20000:
            raise ValueError(f"block='none' compares all pairs; {n} records is too many")
        groups = [list(range(n))] if n >= 2 else []
    else:
        raise ValueError(f"block must be 'token' or 'none', not {block!r}")

    uf = _UnionFind(n)
    n_edges = 0
    for idx in groups:
        if len(idx) == 2:
            i, j = idx
            if score_fn(texts[i], texts[j]) >= cutoff:
                uf.union(i, j)
                n_edges += 1
            continue
        sub = [texts[i] for i in idx]
        scores = process.cdist(
            sub,
            sub,
            scorer=score_fn,
            score_cutoff=cutoff,
            dtype=np.float32,
            workers=workers,
        )
        rows, cols = np.nonzero(np.triu(scores >= cutoff, k=1))
        for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
            uf.union(idx[a], idx[b])
        n_edges += len(rows)
    roots = uf.roots()
    clusters = pd.Series(ids.to_numpy()[roots], index=ids.to_numpy(), name="cluster_id")
    clusters.index.name = "id"
    log.info("rapidfuzz: %d matching pairs -> %d clusters", n_edges, clusters.nunique())
    return clusters


# --------------------------------------------------------------------------------------------
# plain splink


def _splink_frame(records: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Copy of the records with id, name_clean, name_prefix and cleaned optional columns."""
    ids = _check_records(records)
    frame = pd.DataFrame({"id": ids.to_numpy()})
    frame["name_clean"] = [clean_text(v) for v in records["name"].to_numpy()]
    frame["name_prefix"] = frame["name_clean"].str[:4]
    present = []
    for col in OPTIONAL_COLUMNS:
        if col in records.columns:
            values = pd.Series([clean_text(v) for v in records[col].to_numpy()], dtype=object)
            if values.notna().any():
                frame[col] = values.to_numpy()
                present.append(col)
    frame = frame.astype(object).where(frame.notna(), None)
    return frame, present


def _settings(link_type: str, present: list[str], blocking: str):
    """SettingsCreator for the plain model over the columns present."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons = [cl.JaroWinklerAtThresholds("name_clean", [0.9, 0.8])]
    for col in present:
        if col == "address":
            comparisons.append(cl.JaroWinklerAtThresholds("address", [0.9, 0.8]))
        else:
            comparisons.append(cl.ExactMatch(col))
    rules = [block_on("name_clean")]
    if "postcode" in present:  # city alone makes blocks far too large
        rules.append(block_on(*[c for c in ("city", "postcode") if c in present]))
    for col in ("address", "tax_id"):
        if col in present:
            rules.append(block_on(col))
    if blocking == "prefix":
        rules.append(block_on("name_prefix"))
    elif blocking != "exact":
        raise ValueError(f"blocking must be 'exact' or 'prefix', not {blocking!r}")
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
        retain_intermediate_calculation_columns=False,
    )


def _exact_name_pairs(*frames: pd.DataFrame) -> int:
    """Pairs with an identical cleaned name: within one frame, or across two frames."""
    counts = [f["name_clean"].dropna().value_counts() for f in frames]
    if len(counts) == 1:
        c = counts[0].to_numpy(dtype=np.int64)
        return int((c * (c - 1) // 2).sum())
    joined = counts[0].to_frame("a").join(counts[1].to_frame("b"), how="inner")
    return int((joined["a"] * joined["b"]).sum())


def _train(linker, present: list[str], n_exact_name_pairs: int, seed: int) -> None:
    """Plain training: lambda from exact names, u by random sampling, m by EM on two rules."""
    from splink import block_on

    if n_exact_name_pairs > 0:
        linker.training.estimate_probability_two_random_records_match(
            [block_on("name_clean")], recall=0.7
        )
    else:
        log.warning("plain splink: no exact-name pairs; keeping the default match prior")
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=seed)

    em_rules = []
    if present and n_exact_name_pairs > 0:
        em_rules.append(block_on("name_clean"))  # trains every comparison but the name
    # The most specific other column, so the blocked pairs are mostly matches.
    other = next(
        (c for c in ("tax_id", "address", "postcode", "city", "country") if c in present), None
    )
    em_rules.append(block_on(other or "name_prefix"))  # trains the name comparison
    for rule in em_rules:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=2e6)
        except Exception as exc:  # EM on a rule with no pairs (or degenerate pairs) raises
            log.warning("plain splink: EM skipped (%s: %s)", type(exc).__name__, exc)


def plain_splink_dedupe(
    records: pd.DataFrame, blocking: str = "exact", threshold: float = 0.9, seed: int = 42
) -> pd.Series:
    """Dedupe with a plain splink 5 model; return id -> cluster id for every record."""
    from splink import DuckDBAPI, Linker

    frame, present = _splink_frame(records)
    log.info("plain splink dedupe: %d records, columns %s", len(frame), ["name", *present])
    db = DuckDBAPI()
    sdf = db.register(frame, dataset_display_name="records")
    linker = Linker(sdf, _settings("dedupe_only", present, blocking), log_level=None)
    _train(linker, present, _exact_name_pairs(frame), seed)

    pairs = linker.inference.predict(threshold_match_probability=threshold)
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pairs, threshold_match_probability=threshold
    ).as_pandas_dataframe()
    mapping = dict(
        zip(clustered["id"].astype(str), clustered["cluster_id"].astype(str), strict=True)
    )
    ids = frame["id"].tolist()
    # Name clusters by their first record in input order, as rapidfuzz_dedupe does.
    first: dict[str, str] = {}
    for i in ids:
        first.setdefault(mapping.get(i, i), i)
    out = pd.Series([first[mapping.get(i, i)] for i in ids], index=ids, name="cluster_id")
    out.index.name = "id"
    log.info("plain splink dedupe: %d clusters", out.nunique())
    return out


def plain_splink_link(
    df_a: pd.DataFrame,
    df_b: pd.DataFrame,
    blocking: str = "exact",
    threshold: float = 0.9,
    seed: int = 42,
) -> pd.DataFrame:
    """Link two tables with a plain splink 5 model; return pairs (id_a, id_b, match_probability)."""
    from splink import DuckDBAPI, Linker

    frame_a, present_a = _splink_frame(df_a)
    frame_b, present_b = _splink_frame(df_b)
    present = [c for c in present_a if c in present_b]
    frame_a = frame_a[["id", "name_clean", "name_prefix", *present]]
    frame_b = frame_b[["id", "name_clean", "name_prefix", *present]]
    log.info(
        "plain splink link: %d x %d records, columns %s",
        len(frame_a),
        len(frame_b),
        ["name", *present],
    )
    db = DuckDBAPI()
    sdf_a = db.register(frame_a, dataset_display_name="a")
    sdf_b = db.register(frame_b, dataset_display_name="b")
    linker = Linker([sdf_a, sdf_b], _settings("link_only", present, blocking), log_level=None)
    _train(linker, present, _exact_name_pairs(frame_a, frame_b), seed)

    pairs = linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()
    from_a = pairs["source_dataset_l"].astype(str) == "a"
    out = pd.DataFrame(
        {
            "id_a": np.where(from_a, pairs["id_l"], pairs["id_r"]).astype(str),
            "id_b": np.where(from_a, pairs["id_r"], pairs["id_l"]).astype(str),
            "match_probability": pairs["match_probability"].astype(float),
        }
    )
    out = out.sort_values(["id_a", "id_b"], kind="stable").reset_index(drop=True)
    log.info("plain splink link: %d pairs at >= %.2f", len(out), threshold)
    return out


# --------------------------------------------------------------------------------------------
# python -m benchmarks.baselines: run the baselines on the labelled sets and print a table


def _run_all(write: bool = False) -> list[dict]:
    """Run every baseline on febrl3, restaurants, OFAC-russia and febrl4; return table rows."""
    from benchmarks import common, datasets
    from resolver.evaluate import link_metrics, pairwise_metrics

    rows: list[dict] = []

    def add(dataset: str, method: str, metrics: dict, seconds: float, peak_mb: float) -> None:
        rows.append(
            {
                "dataset": dataset,
                "method": method,
                "precision": metrics["precision"],
                "recall": metrics["recall"],
                "f1": metrics["f1"],
                "seconds": seconds,
                "peak_mb": peak_mb,
            }
        )

    dedupe_sets = {
        "febrl3": lambda: datasets.febrl(3),
        "restaurants": datasets.restaurants,
        "ofac_russia": lambda: datasets.ofac_alias_records(russia_only=True),
        "ofac_russia+addr": lambda: datasets.ofac_alias_records(
            russia_only=True, with_address=True
        ),
    }
    for name, load in dedupe_sets.items():
        records, truth = load()
        extra = [c for c in ("address", "city") if c in records.columns]
        methods = {
            "rapidfuzz token_set name": lambda r=records: rapidfuzz_dedupe(r),
            "rapidfuzz token_sort name": lambda r=records: rapidfuzz_dedupe(
                r, scorer="token_sort_ratio"
            ),
            "splink exact": lambda r=records: plain_splink_dedupe(r),
            "splink prefix": lambda r=records: plain_splink_dedupe(r, blocking="prefix"),
        }
        if extra:
            methods["rapidfuzz token_set name+" + "+".join(extra)] = (
                lambda r=records, e=tuple(extra): rapidfuzz_dedupe(r, columns=("name", *e))
            )
        for method, fn in methods.items():
            clusters, seconds, peak = common.measure(fn)
            add(name, method, pairwise_metrics(clusters, truth), seconds, peak)

    df_a, df_b, truth = datasets.febrl4()
    true_pairs = datasets.link_truth_pairs(df_a["id"], df_b["id"], truth)
    for blocking in ("exact", "prefix"):
        pairs, seconds, peak = common.measure(plain_splink_link, df_a, df_b, blocking=blocking)
        add("febrl4 (link)", f"splink {blocking}", link_metrics(pairs, true_pairs), seconds, peak)

    if write:
        common.write_result("baselines", {"metric": "pairwise", "rows": rows})
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: print the baseline table (``--write`` saves results/baselines.json)."""
    import argparse

    from benchmarks import common

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument(
        "--write", action="store_true", help="write benchmarks/results/baselines.json"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    rows = _run_all(write=args.write)
    cols = ["dataset", "method", "precision", "recall", "f1", "seconds", "peak_mb"]
    common.print_table(rows, cols, title="Baselines (pairwise metrics)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
