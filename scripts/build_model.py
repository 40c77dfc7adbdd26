"""Build the shipped model (models/default.json) from labelled data: `make model`.

m and u of every comparison level are the level shares among true matches and among random
pairs of different entities, averaged over the sources that have the comparison's data, each
source weighing the same (``resolver.model.labelled``):

* generated trade parties (``resolver synth``, fixed seed) with the generator's truth;
* the dev halves (entities whose sha1 key has an even first byte, the complement of the
  benchmarks' test halves) of the real labelled sets in ../shared/data: OFAC organisations'
  name variants, PatentsView assignee names, EDINET Japanese / English names, UN
  original-script / Latin names, restaurants (name, address, city), Febrl 3 (address,
  postcode, city, id) and the Senzing truth set.

The prior (expected matches per profile) is the generated data's. The names-only offset (bits
the prior of names-only data is raised by) is measured on the dev halves of the real name lists
(``names_only_offset``). Without ../shared/data the script stops (the model would differ);
``--generated-only`` builds from generated data alone.

    python scripts/build_model.py --out models/default.json
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import datasets  # noqa: E402
from resolver.engine import Engine  # noqa: E402
from resolver.features import ABJAD_COLUMN, build_features  # noqa: E402
from resolver.io.readers import read_records  # noqa: E402
from resolver.model.labelled import LevelCounts, count_levels, floored, mixture  # noqa: E402
from resolver.model.levels import SkeletonOverlap, python_features  # noqa: E402
from resolver.model.params import DEFAULT_THRESHOLD, ModelParams  # noqa: E402
from resolver.model.prior import names_only_offset  # noqa: E402
from resolver.model.spec import COMPARISONS, M_FLOOR, NAME  # noqa: E402
from resolver.synth import generate  # noqa: E402

log = logging.getLogger("build_model")

NAMES = ("name", "legal_form", "name_numbers")
PLACE = ("place", "country", "tax_id")
U_FLOOR = 1e-6
# Levels that only pairs across scripts reach (one name in Arabic script) get m and u measured on
# such pairs alone (UN list dev half, people and organisations: ``cross_script_shares``), put
# into the model as this share of all pairs among matches and non-matches alike, so their
# weight log2(m / u) is the one measured across scripts.
CROSS_SCRIPT_SHARE = 0.01
GENERATED_WEIGHT = 1.0  # the generated source's weight relative to all real sources together
SCHEMA = ("id", "name", "address", "city", "postcode", "country", "tax_id")


def is_dev_entity(key: object) -> bool:
    """Dev half: sha1 of the entity key has an even first byte (benchmarks report the odd)."""
    return hashlib.sha1(str(key).encode("utf-8")).digest()[0] % 2 == 0


def _dev(records: pd.DataFrame, truth: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    truth = truth.copy()
    truth.index = truth.index.astype(str)
    keep = records["id"].astype(str).map(truth).map(is_dev_entity).fillna(False).to_numpy()
    kept = records.loc[keep].reset_index(drop=True)
    return kept, truth.reindex(kept["id"].astype(str).to_numpy())


def _un_organisations() -> tuple[pd.DataFrame, pd.Series]:
    names = datasets.un_original_script_names()
    names = names[names["entity_type"] == "organization"].reset_index(drop=True)
    records = pd.DataFrame({"id": [f"un{i}" for i in range(len(names))], "name": names["name"]})
    return records, pd.Series(names["entry"].to_numpy(), index=records["id"].to_numpy())


def _cross_script_levels() -> list[int]:
    """Indices (among the name comparison's scored levels) of the cross-script levels."""
    return [
        i
        for i, level in enumerate(NAME.scored_levels)
        if isinstance(level.condition, SkeletonOverlap)
    ]


def cross_script_shares() -> tuple[list[float], list[float], int, int]:
    """(share of true pairs, share of non-matches) at each name level, among the pairs of the
    UN list's dev half (people and organisations) whose one name is in Arabic script and the
    other not; and the numbers of those true pairs and non-matches. Every such pair is
    counted, its level found with the levels' Python form."""
    names = datasets.un_original_script_names()
    records = pd.DataFrame({"id": [f"un{i}" for i in range(len(names))], "name": names["name"]})
    truth = pd.Series(names["entry"].to_numpy(), index=records["id"].to_numpy())
    records, truth = _dev(records, truth)
    features = _features(records[["id", "name"]])
    profile_entity = _profile_entities(features.records, records, truth)
    rows = [python_features(r) for r in features.profiles.to_pylist()]
    abjad = [r for r in rows if r[ABJAD_COLUMN]]
    other = [r for r in rows if not r[ABJAD_COLUMN] and r["name_core"] is not None]
    levels = NAME.scored_levels
    matches, non_matches = [0] * len(levels), [0] * len(levels)
    for a in abjad:
        for b in other:
            index = next(i for i, lv in enumerate(levels) if lv.holds(a, b))
            same = profile_entity[a["unique_id"]] == profile_entity[b["unique_id"]]
            (matches if same else non_matches)[index] += 1
    n_true, n_false = sum(matches), sum(non_matches)
    log.info("cross-script pairs: %d true, %d non-matches", n_true, n_false)
    return [c / n_true for c in matches], [c / n_false for c in non_matches], n_true, n_false


def with_cross_script_levels(
    m: list[float], u: list[float], m_cross: list[float], u_cross: list[float]
) -> tuple[list[float], list[float]]:
    """The name comparison's m and u with the cross-script levels' shares measured across
    scripts (floored), at ``CROSS_SCRIPT_SHARE`` of all pairs; the other levels scaled to fill
    the rest."""
    cross = _cross_script_levels()
    out = []
    for shares, measured, floor in ((m, m_cross, M_FLOOR), (u, u_cross, U_FLOOR)):
        values = {i: CROSS_SCRIPT_SHARE * max(measured[i], floor) for i in cross}
        rest = sum(v for i, v in enumerate(shares) if i not in values)
        scale = (1.0 - sum(values.values())) / rest
        out.append([values.get(i, v * scale) for i, v in enumerate(shares)])
    return out[0], out[1]


REAL_SOURCES: dict[str, tuple[Callable[[], tuple[pd.DataFrame, pd.Series]], Iterable[str]]] = {
    "OFAC organisations (names)": (datasets.ofac_alias_records, NAMES),
    "PatentsView assignees": (lambda: datasets.patentsview("distinct"), NAMES),
    "EDINET Japanese / English names": (datasets.edinet_name_pairs, NAMES),
    "UN organisations, original script": (_un_organisations, NAMES),
    "restaurants": (datasets.restaurants, ("name", "place")),
    "Febrl 3": (lambda: datasets.febrl(3), PLACE),
    "Senzing truth set": (datasets.senzing_truthset, (*NAMES, *PLACE)),
}


def _features(frame: pd.DataFrame):
    """resolver's features of records in its schema (a DataFrame), on a DuckDB of their own."""
    table = read_records(pa.Table.from_pandas(frame, preserve_index=False))
    engine = Engine()
    try:
        return build_features(table, engine.con)
    finally:
        engine.close()


def _profile_entities(
    record_profiles: pa.Table, records: pd.DataFrame, truth: pd.Series
) -> dict[str, str]:
    """Profile id -> the entity of its first record (``record_profiles``: id, profile_id;
    ``truth``: the entity of each row of ``records``)."""
    entity = dict(zip(records["id"].astype(str), truth.astype(str), strict=True))
    out: dict[str, str] = {}
    for rec_id, profile in zip(
        record_profiles.column("id").to_pylist(),
        record_profiles.column("profile_id").to_pylist(),
        strict=True,
    ):
        out.setdefault(profile, entity[str(rec_id)])
    return out


def scored_name_list(
    params: ModelParams, records: pd.DataFrame, truth: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """(match weight, is a true match) of the profile pairs a dedupe of a labelled name list
    scores with ``params``."""
    from resolver import Resolver

    resolver = Resolver(params)
    try:
        result = resolver.dedupe(records[["id", "name"]], links=False)
    finally:
        resolver.engine.close()
    profile_entity = _profile_entities(result.record_profiles, records, truth)
    left = [profile_entity[p] for p in result.pairs.column("id_l").to_pylist()]
    right = [profile_entity[p] for p in result.pairs.column("id_r").to_pylist()]
    weights = result.pairs.column("match_weight").to_numpy(zero_copy_only=False)
    return weights, np.array([a == b for a, b in zip(left, right, strict=True)])


def counts_for(
    source: str, records: pd.DataFrame, truth: pd.Series, comparisons: Iterable[str] | None
) -> LevelCounts:
    """Level counts of one labelled source (records in resolver's schema, truth id -> entity)."""
    cols = [c for c in SCHEMA if c in records.columns]
    features = _features(records[cols].astype(object).where(records[cols].notna(), None))
    profile_entity = _profile_entities(features.records, records, truth)
    counts = count_levels(features.profiles, profile_entity, source, comparisons=comparisons)
    log.info("%s: %d profiles, %d true pairs", source, counts.profiles, counts.true_pairs)
    return counts


def build(generated_entities: int, seed: int, real: bool) -> ModelParams:
    """The model: m / u from the labelled sources, prior from the generated data."""
    with tempfile.TemporaryDirectory(prefix="resolver-model-") as tmp:
        generate(tmp, n_entities=generated_entities, seed=seed)
        records = pd.read_csv(Path(tmp) / "parties.csv", dtype=str, keep_default_na=False)
        records = records.replace("", None)
        truth_frame = pd.read_csv(Path(tmp) / "truth.csv", dtype=str)
        truth = pd.Series(truth_frame["entity_id"].to_numpy(), index=truth_frame["id"].to_numpy())
        generated = counts_for("generated trade parties", records, truth, None)
    counts = [generated]
    if real:
        for source, (load, comparisons) in REAL_SOURCES.items():
            source_records, source_truth = _dev(*load())
            counts.append(counts_for(source, source_records, source_truth, comparisons))
    # trade records are the main use: the generated source weighs as much as the real ones
    weights = {generated.source: GENERATED_WEIGHT * max(len(counts) - 1, 1)}
    m, u = mixture(counts, "matches", weights), mixture(counts, "non_matches", weights)
    comparisons = {}
    for spec in COMPARISONS:
        if m[spec.name] is None or u[spec.name] is None:
            continue
        comparisons[spec.name] = [
            {"id": level.id, "m": mv, "u": uv}
            for level, mv, uv in zip(
                spec.scored_levels,
                floored(m[spec.name]),
                floored(u[spec.name], U_FLOOR),
                strict=True,
            )
        ]
    cross_meta = None
    if real and "name" in comparisons:
        m_cross, u_cross, n_true, n_false = cross_script_shares()
        levels = comparisons["name"]
        m_name, u_name = with_cross_script_levels(
            [lv["m"] for lv in levels], [lv["u"] for lv in levels], m_cross, u_cross
        )
        comparisons["name"] = [
            {"id": lv["id"], "m": mv, "u": uv}
            for lv, mv, uv in zip(levels, m_name, u_name, strict=True)
        ]
        cross_meta = {
            "source": "UN consolidated list dev half, people and organisations: pairs of an "
            "Arabic-script name and a name in another script",
            "true_pairs": n_true,
            "non_matches": n_false,
            "share_of_pairs": CROSS_SCRIPT_SHARE,
        }
    per_profile = generated.matches_per_profile
    params = ModelParams(
        comparisons=comparisons,
        probability_two_random_records_match=per_profile / max(generated.profiles - 1, 1),
        expected_matches_per_profile=per_profile,
        threshold=DEFAULT_THRESHOLD,
        metadata={
            "trained_on": {
                "method": "m and u measured on labelled pairs (scripts/build_model.py)",
                "generated": {"entities": generated_entities, "seed": seed},
                "sources": {
                    c.source: {
                        "profiles": c.profiles,
                        "true_pairs": c.true_pairs,
                        "comparisons": sorted(c.matches),
                    }
                    for c in counts
                },
                "real_data_split": "dev halves (sha1 of the entity key, even first byte)",
                "cross_script_levels": cross_meta,
            },
        },
    )
    if real:
        scored = {
            source: scored_name_list(params, *_dev(*load()))
            for source, (load, comparisons) in REAL_SOURCES.items()
            if tuple(comparisons) == NAMES
        }
        offset = names_only_offset([w for w, _ in scored.values()], [y for _, y in scored.values()])
        params.names_only_offset_bits = offset
        params.metadata["names_only_offset"] = {
            "bits": offset,
            "sources": {
                source: {
                    "pairs": len(w),
                    "matches": int(y.sum()),
                    "bits_alone": names_only_offset([w], [y]),
                }
                for source, (w, y) in scored.items()
            },
        }
        log.info("names-only offset: %+.2f bits", offset)
    return params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="model JSON to write")
    parser.add_argument("--entities", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--generated-only", action="store_true", help="without the real labelled sets"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.generated_only:
        try:
            datasets.data_dir()
        except datasets.DataUnavailable as exc:
            print(f"build_model: {exc}; pass --generated-only to build without it", file=sys.stderr)
            return 2
    params = build(args.entities, args.seed, real=not args.generated_only)
    params.save(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
