"""Screening: batch and real-time scores on real OFAC/UN slices and generated trade data."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from resolver.errors import UsageError
from resolver.model.params import default_model_path
from resolver.screening import Screener, ScreenResult

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OFAC = DATA / "ofac_sdn_2023-12-28_even"
UN = DATA / "un_consolidated_2026-02-27" / "UN_consolidated.xml"
FORMS = (
    r"CLOSED JOINT STOCK COMPANY|OPEN JOINT STOCK COMPANY|PUBLIC JOINT STOCK COMPANY|"
    r"LIMITED LIABILITY COMPANY|LIMITED LIABILITY PARTNERSHIP|JOINT STOCK COMPANY|"
    r"CO\.,? LTD\.?|L\.L\.C\.?|LLC|LTD\.?|LIMITED|INC\.?|S\.A\.|SA|GMBH|JSC|OJSC|CJSC|PJSC|"
    r"OOO|OAO|ZAO|PAO|FZE|FZCO|CORPORATION|CORP\.?|COMPANY"
)
LEGAL_END = re.compile(rf",?\s+({FORMS})\s*$")
LEGAL_START = re.compile(rf"^({FORMS})\s+")
SWAPS = ("LLC", "Ltd.", "JSC", "S.A.", "GmbH", "Co., Ltd.")
ROMANIZE = (("KH", "H"), ("YA", "IA"), ("YU", "IU"), ("SKIY", "SKY"), ("ZH", "J"), ("TS", "TZ"))


def _need(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"shared data not found: {path}")
    if not default_model_path().exists():
        pytest.skip(f"default model not found: {default_model_path()}")


@pytest.fixture(scope="module")
def screener() -> Screener:
    _need(OFAC, UN)
    return Screener.load(OFAC, UN)


# ---- perturbations of real list names ----


def drop_legal(name: str) -> str | None:
    out = LEGAL_START.sub("", LEGAL_END.sub("", name)).strip(" ,")
    return out if out != name and len(out) > 3 else None


def swap_legal(name: str) -> str | None:
    base = drop_legal(name)
    return f"{base} {SWAPS[len(base) % len(SWAPS)]}" if base else None


def romanize(name: str) -> str | None:
    for a, b in ROMANIZE:
        if a in name:
            return name.replace(a, b)
    return None


def typo(name: str, rng: random.Random) -> str | None:
    words = [w for w in name.split() if len(w) >= 6 and w.isalpha()]
    if not words:
        return None
    word = max(words, key=len)
    i = rng.randrange(1, len(word) - 1)
    return name.replace(word, word[:i] + word[i + 1 :], 1)


def perturbed_queries(lists: pa.Table, n: int, seed: int = 7) -> pd.DataFrame:
    """Organisation primary names, each perturbed one way, with the list_id they come from."""
    rng = random.Random(seed)
    df = lists.to_pandas()
    orgs = df[(df.entity_type == "organization") & (df.name_type == "primary")]
    orgs = orgs[orgs.name.str.split().str.len() >= 2].sort_values("list_id")
    rows = []
    kinds = ("drop_legal", "swap_legal", "romanize", "typo")
    for r in orgs.sample(frac=1.0, random_state=seed).itertuples():
        kind = kinds[len(rows) % len(kinds)]
        fn = {"drop_legal": drop_legal, "swap_legal": swap_legal, "romanize": romanize}.get(kind)
        name = fn(r.name) if fn else typo(r.name, rng)
        if name:
            rows.append(
                {
                    "id": f"q{len(rows)}",
                    "name": name,
                    "country": r.country,
                    "truth": r.list_id,
                    "kind": kind,
                }
            )
        if len(rows) == n:
            break
    return pd.DataFrame(rows)


def same_party(lists: pa.Table, queries: pd.DataFrame) -> set[tuple[str, str]]:
    """(query id, list_id) pairs: the query's source party and any party listing one of its names."""
    df = lists.to_pandas()
    df["key"] = df.name.str.casefold()
    by_name = df.groupby("key").list_id.apply(set)
    names = df.groupby("list_id").key.apply(set)
    pairs = set()
    for qid, truth in zip(queries.id, queries.truth, strict=True):
        pairs |= {(qid, other) for key in names[truth] for other in by_name[key]}
    return pairs


def recall_precision(matches: pa.Table, expected: set[tuple[str, str]]) -> tuple[float, float]:
    """Recall and precision of the (id, list_id) pairs flagged as matches."""
    hits = matches.filter(matches.column("match")).to_pandas()
    predicted = set(zip(hits.id, hits.list_id, strict=True))
    tp = len(predicted & expected)
    return tp / max(len(expected), 1), tp / max(len(predicted), 1)


# ---- tests on real lists ----


def test_perturbed_real_names_recall_precision(screener: Screener) -> None:
    queries = perturbed_queries(screener.lists, 120)
    assert len(queries) == 120
    result = screener.screen(queries.drop(columns=["truth", "kind"]))
    expected = same_party(screener.lists, queries)
    recall, precision = recall_precision(result.matches, expected)
    found = set(
        zip(
            result.matches.column("id").to_pylist(),
            result.matches.column("list_id").to_pylist(),
            strict=True,
        )
    )
    retrieved = len({q for q, _ in found & expected}) / len(queries)
    print(
        f"perturbed OFAC/UN names: recall {recall:.3f} precision {precision:.3f} retrieved {retrieved:.3f}"
    )
    by_kind = {}
    for kind in ("drop_legal", "swap_legal", "romanize", "typo"):
        ids = set(queries.id[queries.kind == kind])
        sub = result.matches.filter(
            pa.array([i in ids for i in result.matches.column("id").to_pylist()])
        )
        by_kind[kind] = recall_precision(sub, {p for p in expected if p[0] in ids})[0]
    dropped = queries[queries.kind == "drop_legal"].drop(columns=["truth", "kind"])
    bare = screener.screen(dropped.assign(country=None)).matches  # a name and nothing else
    by_kind["drop_legal, no country"] = recall_precision(
        bare, {p for p in expected if p[0] in set(dropped.id)}
    )[0]
    print("recall by perturbation:", {k: round(v, 3) for k, v in by_kind.items()})
    # measured: recall 0.78, precision 0.95, retrieved 0.98 with the model of commit 2832a69
    # (typos reach only its "rare-word overlap >= 0.6" name level: typo recall 0.39); with the
    # model retrained on 2026-11-29 (whole-name edit levels) 0.94, 0.94, 1.00 (typo 0.79).
    # A record without a legal form is not penalised for it: with the 2832a69 model drop_legal
    # 0.93 -> 0.97, and 0.10 -> 0.80 for bare names (no country either).
    assert retrieved >= 0.95, retrieved
    assert recall >= 0.7, recall
    assert precision >= 0.85, precision
    assert by_kind["drop_legal"] >= 0.85, by_kind
    assert by_kind["drop_legal, no country"] >= 0.7, by_kind


def test_unrelated_parties_not_matched(screener: Screener) -> None:
    records = pd.DataFrame(
        {
            "id": ["c1", "c2", "c3"],
            "name": [
                "Bavarian Precision Bearings GmbH",
                "Lakeside Dairy Cooperative",
                "Nordic Timber Export AB",
            ],
            "country": ["DE", "US", "SE"],
        }
    )
    result = screener.screen(records)
    assert result.matches.filter(result.matches.column("match")).num_rows == 0
    assert result.summary["records_below_floor"] + result.summary["records_with_candidates"] == 3


def test_outputs_shape_explanation_and_floor(screener: Screener, tmp_path: Path) -> None:
    lists = screener.lists.to_pandas()
    org = lists[(lists.entity_type == "organization") & (lists.name_type == "primary")].iloc[0]
    records = pd.DataFrame(
        {
            "id": ["hit", "miss"],
            "name": [org["name"], "Qwzx Plonk Gizmo Works"],
            "country": [org.country, "FR"],
        }
    )
    result = screener.screen(records)
    m = result.matches.to_pandas()
    assert list(m.columns) == [
        "id",
        "list_id",
        "list_source",
        "list_name",
        "matched_name",
        "score",
        "match",
        "explanation",
    ]
    top = m[m.id == "hit"].iloc[0]
    assert top.list_id == org.list_id and top.match and top.matched_name == org["name"]
    assert re.search(r"name: [^;]+ \+\d+\.\d", top.explanation), top.explanation
    assert "miss" not in set(m.id)
    assert result.summary["records_below_floor"] == 1
    assert result.summary["records"] == 2 and result.summary["records_with_match"] == 1
    assert (m.score >= result.summary["floor"]).all() and m.score.between(0, 1).all()
    out = result.save(tmp_path / "out")
    assert (out / "matches.csv").exists() and (out / "summary.json").exists()
    with pytest.raises(UsageError):
        result.save(tmp_path / "out")


def test_screen_one_matches_batch_scores(screener: Screener) -> None:
    """Real time and batch share word weights, levels (differential-tested) and arithmetic:
    the same candidates, scores, names and evidence."""
    queries = perturbed_queries(screener.lists, 40, seed=11).drop(columns=["truth", "kind"])
    queries["city"] = None
    batch = screener.screen(queries).matches.to_pandas()
    compared = 0
    for rec in queries.to_dict("records"):
        one = {m.list_id: m for m in screener.screen_one(rec)}
        rows = batch[batch.id == rec["id"]]
        assert set(rows.list_id) == set(one), rec
        for r in rows.itertuples():
            assert one[r.list_id].score == r.score, (rec, r)
            assert one[r.list_id].matched_name == r.matched_name
            assert one[r.list_id].explanation == r.explanation
            compared += 1
    assert compared >= 30


def test_screen_one_fields(screener: Screener) -> None:
    lists = screener.lists.to_pandas()
    org = lists[(lists.entity_type == "organization") & lists.tax_id.notna()].iloc[0]
    matches = screener.screen_one(
        {"name": org["name"], "tax_id": org.tax_id, "country": org.country}
    )
    best = matches[0]
    assert best.list_id == org.list_id and best.match and best.score > 0.9
    assert best.weights["name"] > 0 and best.weights["tax_id"] > 0
    assert "tax id: same +" in best.explanation
    assert screener.screen_one({"name": "Qwzx Plonk Gizmo Works"}) == []


def test_entity_roll_up(screener: Screener, tmp_path: Path) -> None:
    lists = screener.lists.to_pandas()
    org = lists[(lists.entity_type == "organization") & (lists.name_type == "primary")].iloc[3]
    records = pd.DataFrame(
        {
            "id": ["r1", "r2", "r3"],
            "name": [
                org["name"],
                drop_legal(org["name"]) or org["name"] + " Trading",
                "Qwzx Plonk Gizmo",
            ],
            "country": [org.country, org.country, "FR"],
            "entity_id": ["E1", "E1", "E2"],
        }
    )
    result = screener.screen(records)
    ent = result.entity_matches.to_pandas()
    row = ent[(ent.entity_id == "E1") & (ent.list_id == org.list_id)].iloc[0]
    per_record = result.matches.to_pandas()
    per_record = per_record[per_record.list_id == org.list_id]
    assert row.score == per_record.score.max()
    assert row.n_records_matched == int(per_record.match.sum()) >= 1
    assert row.best_record_id in {"r1", "r2"}
    assert "E2" not in set(ent.entity_id)
    # a dedupe output folder is rolled up too
    folder = tmp_path / "dedupe"
    folder.mkdir()
    records.assign(cluster_size=2, unmatchable=False).to_csv(folder / "clusters.csv", index=False)
    from_folder = screener.screen(folder)
    assert from_folder.entity_matches is not None
    assert from_folder.entity_matches.num_rows == result.entity_matches.num_rows
    saved = from_folder.save(tmp_path / "out")
    assert (saved / "entity_matches.csv").exists()


def test_result_type() -> None:
    assert ScreenResult.__dataclass_fields__.keys() >= {"matches", "summary", "entity_matches"}


# ---- typos, missing legal forms, list-estimated address weights ----

SMALL_LIST = """list_id,name,aliases,country,address,tax_id
L1,LIMITED LIABILITY PARTNERSHIP NOMAD,NOMAD,Kazakhstan,"ulitsa Zhandosova 3, Shymkent 160954",
L2,Sunrise Marine Trading LLC,Sunrise,United Arab Emirates,"Office 1204, Mazaya Business Avenue BB1, Jebel Ali Free Zone, Dubai",
L3,Orion Cargo Services FZE,,United Arab Emirates,"Office 807, Mazaya Business Avenue BB1, Jebel Ali Free Zone, Dubai",
L4,Kestrel Avionics Ltd,,Hong Kong,"RM 1804 18/F, Kwai Hing Industrial Building, Kowloon, Hong Kong",
L5,Bluefin Components Ltd,,Hong Kong,"RM 609 6/F, Kwai Hing Industrial Building, Kowloon, Hong Kong",
L6,Tessera Optics Ltd,,Hong Kong,"RM 2201 22/F, Kwai Hing Industrial Building, Kowloon, Hong Kong",
"""


@pytest.fixture(scope="module")
def small_screener(tmp_path_factory) -> Screener:
    if not default_model_path().exists():
        pytest.skip(f"default model not found: {default_model_path()}")
    path = tmp_path_factory.mktemp("small") / "list.csv"
    path.write_text(SMALL_LIST, encoding="utf-8")
    return Screener.load(path)


def test_deletion_keys_meet_one_edit_typos() -> None:
    from resolver.model.blocking import deletion_keys

    word = "prommarket"
    typos = ["prommqrket", "promarket", "prommarkett", "pormmarket", "prommarket"]
    for typo in typos:
        assert deletion_keys(word) & deletion_keys(typo), typo
    assert not deletion_keys("nomad") & deletion_keys("zapad")  # two letters apart
    assert deletion_keys("alfa") == set()  # too short to key on one edit


def test_typo_in_only_name_word_is_a_candidate(small_screener: Screener) -> None:
    """'NOMSD' shares no word, key or core with 'NOMAD': only the one-edit keys find it, in both
    paths with the same score."""
    record = {"id": "t1", "name": '"NOMSD"', "country": "KZ"}
    one = {m.list_id: m for m in small_screener.screen_one(record)}
    assert "list:L1" in one, one
    batch = small_screener.screen(pd.DataFrame([record])).matches.to_pandas()
    row = batch[batch.list_id == "list:L1"].iloc[0]
    assert row.score == one["list:L1"].score
    assert row.explanation == one["list:L1"].explanation


def test_record_without_legal_form_is_not_penalised(small_screener: Screener) -> None:
    """A record lacking a legal form lacks it against every party: no legal-form weight. A list
    alias lacking it (a short name matching longer names by chance) keeps the model's penalty."""
    no_form = small_screener.screen_one({"name": "Sunrise Marine Trading", "country": "AE"})
    best = next(m for m in no_form if m.list_id == "list:L2")
    assert best.weights["legal_form"] == 0.0 and "legal form" not in best.explanation
    with_form = small_screener.screen_one({"name": "Sunrise LLC", "country": "AE"})
    alias = next(m for m in with_form if m.list_id == "list:L2")
    assert alias.matched_name == "Sunrise"
    assert alias.weights["legal_form"] < 0
    assert "legal form: one missing -" in alias.explanation
    records = pd.DataFrame(
        [
            {"id": "a", "name": "Sunrise Marine Trading", "country": "AE"},
            {"id": "b", "name": "Sunrise LLC", "country": "AE"},
        ]
    )
    batch = small_screener.screen(records).matches.to_pandas()
    for rid, match in (("a", best), ("b", alias)):
        row = batch[(batch.id == rid) & (batch.list_id == "list:L2")].iloc[0]
        assert row.score == match.score and row.explanation == match.explanation


def test_address_overlap_weights_from_the_list(small_screener: Screener) -> None:
    """Listed parties share building and free-zone words: the address-overlap levels' u is the
    rate different listed parties reach them (never below the model's), and explanations carry
    the weight scored."""
    import math

    from resolver.screening.calibration import LIST_U_MIN_PAIRS

    changes = small_screener.weight_changes
    assert all(c["new_u"] >= c["u"] for c in changes.values())
    place = next(c for c in small_screener.comparisons if c.name == "place")
    model_place = small_screener.params.comparisons["place"]
    for scored in place.levels:
        if scored.level.is_null:
            continue
        saved = next(lv for lv in model_place if lv["id"] == scored.level.id)
        u = changes[saved["id"]]["new_u"] if saved["id"] in changes else saved["u"]
        assert abs(scored.weight - math.log2(saved["m"] / u)) < 1e-6
    # six parties give 15 address pairs, fewer than LIST_U_MIN_PAIRS: the model's u is kept
    assert LIST_U_MIN_PAIRS > 15 and changes == {}


def test_address_overlap_weights_lowered_on_shared_buildings(tmp_path: Path) -> None:
    if not default_model_path().exists():
        pytest.skip(f"default model not found: {default_model_path()}")
    rows = ["list_id,name,aliases,country,address,tax_id"]
    for i in range(60):
        building = ("Kwai Hing Industrial Building", "Mazaya Business Avenue BB1")[i % 2]
        rows.append(f'L{i},Party {i} Trading Ltd,,Hong Kong,"RM {100 + i}, {building}, Hong Kong",')
    path = tmp_path / "list.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    screener = Screener.load(path)
    assert screener.weight_changes, "shared building words must raise an address level's u"
    before = model_place_weight(screener, "place.address_overlap_40")
    after = next(
        lv.weight
        for c in screener.comparisons
        if c.name == "place"
        for lv in c.levels
        if lv.level.id == "place.address_overlap_40"
    )
    assert after < before


def _namesake_list(path: Path, countries: tuple[str, str]) -> Screener:
    """40 names, each listed for two different parties in the given two countries."""
    import random

    rng = random.Random(1)
    rows = ["list_id,name,aliases,country,address,tax_id"]
    for i in range(40):
        name = "".join(rng.choice("bcdfgklmnprstvz") + rng.choice("aeiou") for _ in range(4))
        name = f"{name.title()} Trading Ltd"
        rows += [f"A{i},{name},,{countries[0]},,", f"B{i},{name},,{countries[1]},,"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return Screener.load(path)


def test_country_weight_among_look_alikes(tmp_path: Path) -> None:
    """Different listed parties whose names agree share a country far more often than random
    parties: the same-country level's u is their rate on the list (never below the model's)."""
    import math

    if not default_model_path().exists():
        pytest.skip(f"default model not found: {default_model_path()}")
    same = _namesake_list(tmp_path / "same.csv", ("Hong Kong", "Hong Kong"))
    change = same.weight_changes["country.same"]
    assert change["new_u"] == 1.0 and change["name_agreeing_list_pairs"] >= 80
    saved = next(lv for lv in same.params.comparisons["country"] if lv["id"] == "country.same")
    (level,) = (
        lv
        for c in same.comparisons
        if c.name == "country"
        for lv in c.levels
        if lv.level.id == "country.same"
    )
    assert abs(level.weight - math.log2(saved["m"] / 1.0)) < 1e-6 and level.weight < 0.1
    hit = same.screen_one({"name": same.lists.column("name")[0].as_py(), "country": "HK"})[0]
    assert abs(hit.weights["country"] - level.weight) < 1e-3  # the weight scored
    apart = _namesake_list(tmp_path / "apart.csv", ("Hong Kong", "Turkey"))
    assert "country.same" not in apart.weight_changes


def model_place_weight(screener: Screener, level_id: str) -> float:
    import math

    saved = next(lv for lv in screener.params.comparisons["place"] if lv["id"] == level_id)
    return math.log2(saved["m"] / saved["u"])


def test_list_pair_levels_in_sql_match_the_python_levels(screener: Screener) -> None:
    """On real list names, the levels' SQL (batch, list u) equals their Python form (screen_one)."""
    from resolver.screening.calibration import ListPairLevels

    index = screener.index
    rows = {p["pid"]: p for p in index.profiles.to_pylist()}
    python = index.python_profiles()
    rng = random.Random(3)
    n = len(index.row_pid)
    pairs = [(rng.randrange(n), rng.randrange(n)) for _ in range(3000)]
    # and pairs of candidates, which reach the upper levels
    for i in range(0, n, 97):
        pid = int(index.row_pid[i])
        for other in index.postings.lookup(index.postings.keys_of(rows[pid])):
            pairs.append((i, int(index.members().rows(other)[0])))
    with screener.engine.session() as con:
        levels = ListPairLevels(index, con)
        for comp in screener.comparisons:
            in_python = [
                comp.first_holding(
                    python[int(index.row_pid[i])], python[int(index.row_pid[j])]
                ).gamma
                for i, j in pairs
            ]
            assert levels.gammas(comp, pairs) == in_python, comp.name
            assert len(set(in_python)) >= 2, comp.name  # the pairs reach more than one level
