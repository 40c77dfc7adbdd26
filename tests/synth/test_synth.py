"""Tests of the synthetic customs-record generator (resolver.synth)."""

from __future__ import annotations

import csv
import os
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from random import Random

import pytest

from resolver.errors import ResolverError
from resolver.synth import generate
from resolver.synth import ids as synth_ids
from resolver.synth.generator import FILES, PARTY_HEADER, SHIPMENT_HEADER
from resolver.synth.romanize import STANDARDS, romanize, serbian_to_cyrillic, upper_turkish
from resolver.synth.watchlist import LIST_HEADER

N_ENTITIES = 1500


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("synth")
    summary = generate(out, N_ENTITIES, seed=7)
    return {
        "dir": out,
        "summary": summary,
        "parties": _rows(out / "parties.csv"),
        "truth": _rows(out / "truth.csv"),
        "shipments": _rows(out / "shipments.csv"),
        "list": _rows(out / "list.csv"),
        "list_truth": _rows(out / "list_truth.csv"),
        "entities": _rows(out / "entities.csv"),
    }


@pytest.fixture(scope="module")
def names(data: dict) -> str:
    return "\n".join(p["name"] for p in data["parties"])


def test_files_and_headers(data: dict) -> None:
    out = data["dir"]
    for name in FILES:
        assert (out / name).is_file()
    with (out / "parties.csv").open(encoding="utf-8") as fh:
        assert fh.readline().strip() == ",".join(PARTY_HEADER)
    with (out / "shipments.csv").open(encoding="utf-8") as fh:
        assert fh.readline().strip() == ",".join(SHIPMENT_HEADER)
    with (out / "list.csv").open(encoding="utf-8") as fh:
        assert fh.readline().strip() == ",".join(LIST_HEADER)
    assert data["summary"]["mentions"] == 3 * N_ENTITIES == len(data["parties"])


def test_deterministic_per_seed(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, 300, seed=3)
    generate(b, 300, seed=3)
    generate(c, 300, seed=4)
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "parties.csv").read_bytes() != (c / "parties.csv").read_bytes()


def test_independent_of_hash_seed(tmp_path: Path) -> None:
    """No ordering depends on str hashing: other PYTHONHASHSEED values give the same bytes."""
    code = "import sys; from resolver.synth import generate; generate(sys.argv[1], 150, seed=2)"
    for h in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": h}
        subprocess.run([sys.executable, "-c", code, str(tmp_path / h)], check=True, env=env)
    for name in FILES:
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


def test_truth_consistency(data: dict) -> None:
    party_ids = [p["id"] for p in data["parties"]]
    assert len(set(party_ids)) == len(party_ids)
    assert all(re.fullmatch(r"p\d{7}", i) for i in party_ids)
    truth_ids = [t["id"] for t in data["truth"]]
    assert sorted(truth_ids) == sorted(party_ids)
    entity_ids = {e["entity_id"] for e in data["entities"]}
    assert {t["entity_id"] for t in data["truth"]} <= entity_ids
    counts = Counter(t["entity_id"] for t in data["truth"])
    for e in data["entities"]:
        assert counts.get(e["entity_id"], 0) == int(e["mentions"])
    list_ids = {r["list_id"] for r in data["list"]}
    assert len(list_ids) == len(data["list"])
    for lt in data["list_truth"]:
        assert lt["entity_id"] in counts, "listed entity must appear in parties"
        assert lt["list_id"] in list_ids
    by_id = {p["id"]: p for p in data["parties"]}
    for s in data["shipments"]:
        shipper, consignee = by_id[s["shipper_id"]], by_id[s["consignee_id"]]
        assert shipper["role"] == "shipper" and consignee["role"] == "consignee"
        assert shipper["shipment_id"] == consignee["shipment_id"] == s["shipment_id"]
    ships = {s["shipment_id"] for s in data["shipments"]}
    assert {p["shipment_id"] for p in data["parties"]} == ships
    assert Counter(p["role"] for p in data["parties"])["notify"] > 0


def test_every_entity_mentioned_and_count_honoured(tmp_path: Path) -> None:
    s = generate(tmp_path / "x", 200, seed=1, mentions=1234)
    assert s["mentions"] == 1234 == len(_rows(tmp_path / "x" / "parties.csv"))
    assert s["entities_mentioned"] == 200
    s = generate(tmp_path / "y", 200, seed=1, mentions=77)
    assert len(_rows(tmp_path / "y" / "parties.csv")) == 77
    s = generate(tmp_path / "z", 10, seed=1, mentions=2)
    assert len(_rows(tmp_path / "z" / "parties.csv")) == 2


def test_invalid_arguments(tmp_path: Path) -> None:
    with pytest.raises(ResolverError):
        generate(tmp_path, 0)
    with pytest.raises(ResolverError):
        generate(tmp_path, 10, mentions=1)
    with pytest.raises(ResolverError):
        generate(tmp_path, 10, list_size=-1)


def test_scripts_present(names: str, data: dict) -> None:
    assert re.search(r"[А-Яа-яЁё]", names), "Cyrillic"
    assert re.search(r"[\u4e00-\u9fff]", names), "Han"
    assert re.search(r"[şğıİŞĞ]", names), "Turkish letters"
    assert re.search(r"[äöüßÄÖÜ]", names), "German umlauts"
    assert re.search(r"[\u0530-\u058f]", names), "Armenian"
    assert re.search(r"[\u0600-\u06ff]", names), "Arabic"
    # traditional characters for Taiwan/Hong Kong, simplified for the mainland
    assert "機" in names or "電" in names or "興" in names
    assert "机" in names or "电" in names or "贸" in names


def test_romanization_standards_present(names: str) -> None:
    low = names.lower()
    for marker, standard in [
        ("shch", "BGN/ICAO/passport"),
        ("shh", "GOST 7.79"),
        ("tsch", "German"),
        ("sch", "German/informal"),
        ("kh", "BGN"),
        ("ja", "informal/German"),
        ("ia", "ICAO/unidecode"),
    ]:
        assert marker in low, standard
    assert re.search(r"[šžčŝ]", low), "ISO 9"
    assert re.search(r"\b(chung|hsing|hsin|kuo|tsai|chin)\b", low), "Wade-Giles"
    assert re.search(r"\b(zhong|xin|guo|jin|hua)", low), "pinyin"
    assert re.search(r"\b(wah|hing|kwok|cheung|fung|tat)\b", low), "Cantonese (Hong Kong)"


def test_romanize_standards_unit() -> None:
    word = "Щербаков Хлебозавод Цех Подъём Юг Яр Енисей"
    out = {s: romanize(word, s) for s in STANDARDS}
    assert out["bgn"] == "Shcherbakov Khlebozavod Tsekh Podyem Yug Yar Yenisey"
    assert out["icao"] == "Shcherbakov Khlebozavod Tsekh Podieem Iug Iar Enisei"
    assert out["gost"].startswith("Shherbakov Xlebozavod Cex Pod``yom Yug Yar Enisej")
    assert out["iso9"] == "Ŝerbakov Hlebozavod Ceh Podʺëm Ûg Âr Enisej"
    assert out["informal"] == "Scherbakov Hlebozavod Ceh Podjom Jug Jar Enisej"
    assert out["german"] == "Schtscherbakow Chlebosawod Zech Podjom Jug Jar Jenissej"
    assert out["unidecode"] == "Shcherbakov Khlebozavod Tsekh Pod'iom Iug Iar Enisei"
    assert romanize("ООО «АЛЬФА»", "bgn") == "OOO «ALFA»"
    assert romanize("Smart Tools LLC", "gost") == "Smart Tools LLC"
    assert serbian_to_cyrillic("Njegoševa Đerdap Ljubljanska") == "Његошева Ђердап Љубљанска"
    assert upper_turkish("istanbul ılıca") == "İSTANBUL ILICA"


def test_brand_in_cyrillic_and_english(data: dict) -> None:
    """English brands registered in Cyrillic appear in Cyrillic, romanized and in English."""
    ents = {e["entity_id"]: e for e in data["entities"]}
    by_entity = defaultdict(list)
    for t, p in zip(data["truth"], data["parties"], strict=True):
        by_entity[t["entity_id"]].append(p["name"])
    found = 0
    for eid, mentions in by_entity.items():
        e = ents[eid]
        en = e["name_latin"].rsplit(" ", 1)[0].upper()
        if e["country"] != "RU" or not re.search(r"[а-яА-Я]", e["name"]) or len(mentions) < 6:
            continue
        has_cyr = any(re.search(r"[А-Яа-я]", m) for m in mentions)
        has_en = any(en in m.upper() for m in mentions)
        has_rom = any(not re.search(r"[А-Яа-я]", m) and en not in m.upper() for m in mentions)
        if has_cyr and has_en and has_rom and not re.search(r"(KH|TS|SH)", en):
            found += 1
    assert found >= 1


def test_skewed_mention_counts(data: dict) -> None:
    counts = sorted(Counter(t["entity_id"] for t in data["truth"]).values())
    median = statistics.median(counts)
    assert median <= 2
    assert counts[-1] >= 25 * median
    assert counts[-1] / len(data["truth"]) > 0.01


def test_hard_negatives(data: dict) -> None:
    ents = {e["entity_id"]: e for e in data["entities"]}
    families = defaultdict(list)
    for e in data["entities"]:
        if e["family"]:
            families[e["family"]].append(e)
    assert len(families) >= 0.04 * N_ENTITIES
    cross_country = same_name_other_city = 0
    for members in families.values():
        if len({m["country"] for m in members}) > 1:
            cross_country += 1
        seen = {}
        for m in members:
            key = (m["name"], m["country"])
            if key in seen and seen[key] != m["city"]:
                same_name_other_city += 1
            seen[key] = m["city"]
    assert cross_country >= 10
    assert same_name_other_city >= 1
    truth = {t["id"]: t["entity_id"] for t in data["truth"]}
    twin_trades = 0
    for s in data["shipments"]:
        a, b = ents[truth[s["shipper_id"]]], ents[truth[s["consignee_id"]]]
        if a["family"] and a["family"] == b["family"]:
            twin_trades += 1
    assert twin_trades >= 3, "supplier and buyer with near-identical names"


def test_intermediary_routes(data: dict) -> None:
    ents = {e["entity_id"]: e for e in data["entities"]}
    truth = {t["id"]: t["entity_id"] for t in data["truth"]}
    inbound, outbound = Counter(), Counter()
    for s in data["shipments"]:
        a, b = ents[truth[s["shipper_id"]]], ents[truth[s["consignee_id"]]]
        if b["kind"] == "intermediary" and a["country"] in ("CN", "TW", "DE"):
            inbound[b["country"]] += 1
        if a["kind"] == "intermediary" and b["country"] == "RU":
            outbound[a["country"]] += 1
    for country in ("TR", "AE", "KZ", "HK"):
        assert inbound[country] > 0 and outbound[country] > 0, country


def test_blank_and_noisy_fields(data: dict) -> None:
    parties = data["parties"]
    n = len(parties)

    def blank(col: str) -> float:
        return sum(1 for p in parties if not p[col]) / n

    assert 0.45 < blank("tax_id") < 0.8
    assert 0.3 < blank("postcode") < 0.7
    assert 0.05 < blank("address") < 0.3
    assert 0.03 < blank("city") < 0.3
    assert blank("name") == 0
    upper = sum(1 for p in parties if p["name"].isupper()) / n
    assert 0.2 < upper < 0.8
    countries = {p["country"] for p in parties}
    for v in ("Russian Federation", "Türkiye", "U.A.E.", "Россия", "RU", "RUS"):
        assert v in countries or v.upper() in countries, v
    assert countries & {
        "Taiwan, Province of China",
        "TAIWAN, PROVINCE OF CHINA",
        "Chinese Taipei",
        "CHINESE TAIPEI",
    }
    quotes = "".join(p["name"] for p in parties)
    for q in '«»"„':
        assert q in quotes


def test_legal_forms_and_addresses(names: str, data: dict) -> None:
    assert re.search(r"^ООО [«\"„]", names, re.M), "Russian form before the name"
    assert re.search(r" (LLC|Llc)$", names, re.M | re.I), "English form after"
    assert re.search(r"^(LLC|OOO) ", names, re.M | re.I)
    for form in ("Co., Ltd.", "有限公司", "GmbH", "A.Ş.", "FZE", "ТОО", "Limited"):
        assert form in names, form
    addresses = "\n".join(p["address"] for p in data["parties"])
    for marker in ("ул. ", "д. ", "No.", "District", "traße", "Cad", "Sokak", "/F", "号"):
        assert marker in addresses, marker
    assert re.search(r"ulitsa|Str\.|str\.", addresses)


def test_watch_list(data: dict) -> None:
    rows, lt = data["list"], data["list_truth"]
    assert len(rows) == max(5, round(0.05 * N_ENTITIES))
    listed = {x["list_id"] for x in lt}
    assert 0 < len(listed) < len(rows), "some listed entities never trade (distractors)"
    assert any(";" in r["aliases"] for r in rows)
    assert any(re.search(r"[А-Яа-я]", r["aliases"]) for r in rows)
    ents = {e["entity_id"]: e for e in data["entities"]}
    kinds = Counter(ents[x["entity_id"]]["kind"] for x in lt)
    assert kinds["intermediary"] + kinds["buyer"] >= 0.7 * len(lt)
    distractors = [e for e in data["entities"] if e["kind"] == "listed_only"]
    assert distractors and all(e["mentions"] == "0" for e in distractors)


def test_watch_list_address_parts(data: dict) -> None:
    """Like real lists' entity entries: a street nearly always comes with its city, a city often
    without a street, and the city and postcode are columns of their own."""
    rows = data["list"]
    assert LIST_HEADER[:6] == ("list_id", "name", "aliases", "country", "address", "tax_id")
    street = sum(1 for r in rows if r["address"])
    city = sum(1 for r in rows if r["city"])
    assert all(r["city"] for r in rows if r["address"]), "a street without its city"
    assert all(r["country"] for r in rows)
    assert 0.65 * len(rows) < street < city < 0.97 * len(rows)
    assert 0 < sum(1 for r in rows if r["postcode"]) < street
    assert not any(r["postcode"] for r in rows if not r["address"])
    ents = {e["entity_id"]: e for e in data["entities"]}
    ids = {x["list_id"]: x["entity_id"] for x in data["list_truth"]}
    for r in rows:
        if r["list_id"] in ids and r["city"]:
            assert r["city"] == ents[ids[r["list_id"]]]["city"]


def test_shipments_fields(data: dict) -> None:
    hs = Counter()
    for s in data["shipments"]:
        assert re.fullmatch(r"\d{6}", s["hs_code"])
        assert re.fullmatch(r"20\d\d-\d\d-\d\d", s["date"])
        assert float(s["value_usd"]) > 0 and int(s["quantity"]) > 0
        assert s["origin_country"] and s["destination_country"]
        hs[s["hs_code"][:4]] += 1
    for prefix in ("8456", "8471", "8542", "8807"):
        assert any(k.startswith(prefix[:4]) for k in hs), prefix
    assert sum(1 for s in data["shipments"] if s["transit_country"]) < 0.2 * len(data["shipments"])


def test_tax_ids_have_valid_check_digits() -> None:
    rng = Random(5)
    for _ in range(200):
        inn = synth_ids.ru_inn(rng, "77")
        w = (2, 4, 10, 3, 5, 9, 4, 6, 8)
        assert int(inn[9]) == sum(int(c) * k for c, k in zip(inn, w, strict=False)) % 11 % 10
        uscc = synth_ids.cn_uscc(rng, "440300")
        chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
        total = sum(chars.index(c) * k for c, k in zip(uscc, weights, strict=False))
        assert chars[(31 - total % 31) % 31] == uscc[17] and len(uscc) == 18
        assert len(synth_ids.kz_bin(rng)) == 12
        assert len(synth_ids.tr_vkn(rng)) == 10
        assert len(synth_ids.ae_trn(rng)) == 15
        assert re.fullmatch(r"DE\d{9}", synth_ids.de_vat(rng))
