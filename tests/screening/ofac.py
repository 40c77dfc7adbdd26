"""Perturbations of real list names (dropped or swapped legal forms, romanizations, typos) and
the (record, listed party) pairs that count as correct."""

from __future__ import annotations

import random
import re

import pandas as pd
import pyarrow as pa

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
