"""Unit tests for resolver.normalize with real-world spellings from customs records."""

from __future__ import annotations

import importlib.util
import json
from importlib import resources
from pathlib import Path

import pytest

from resolver.normalize import (
    NORMALIZATION_VERSION,
    NameFeatures,
    name_features,
    normalize_address,
    normalize_city,
    normalize_country,
    normalize_tax_id,
)
from resolver.normalize.text import detect_script
from resolver.normalize.translit import chinese_syllable, latin_tokens, token_key

# ---------------------------------------------------------------------------------------------
# The seed examples
# ---------------------------------------------------------------------------------------------

SEEDS = ["ООО «Ай Машин Технолоджи»", "AI MASHIN TEKHNOLODZHI OOO", "I Machine Technology LLC"]


def test_seed_names_share_legal_class_and_keys():
    feats = [name_features(s) for s in SEEDS]
    assert {f.legal_class for f in feats} == {"llc"}
    assert {f.keys for f in feats} == {("a", "msn", "thnl")}
    assert {f.key_string for f in feats} == {"a msn thnl"}
    # "machine" / "technology" also meet as tokens via the synonym table.
    assert all(f.tokens[1:] == ("machine", "technology") for f in feats)


def test_seed_tools_differs_from_technology():
    tools = name_features("I Machine Tools Co., Ltd.")
    tech = name_features("I Machine Technology LLC")
    assert tools.legal_class == tech.legal_class == "llc"
    assert tools.tokens[:2] == tech.tokens[:2]
    assert tools.tokens[2] != tech.tokens[2]
    assert tools.keys[2] != tech.keys[2]
    assert tools.key_string != tech.key_string


def test_seed_full_features():
    f = name_features("ООО «Ай Машин Технолоджи»")
    assert f == NameFeatures(
        latin="ooo ay mashin tekhnolodzhi",
        core="ay machine technology",
        tokens=("ay", "machine", "technology"),
        keys=("a", "msn", "thnl"),
        key_string="a msn thnl",
        folds=("ae", "masane", "tehnolose"),
        joined="aymachinetechnology",
        legal_form="ooo",
        legal_class="llc",
        numbers=(),
        initials="amt",
        script="cyrillic",
    )


# ---------------------------------------------------------------------------------------------
# 1. Legal forms in any position
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "core", "legal_form", "legal_class"),
    [
        ("ООО «Ай Машин Технолоджи»", "ay machine technology", "ooo", "llc"),
        ("AI MASHIN TEKHNOLODZHI OOO", "ai machine technology", "ooo", "llc"),
        ('Limited Liability Company "Smart Tools"', "smart tool", "llc", "llc"),
        ("Shenzhen Huawei Technologies Co., Ltd.", "shenzhen huawei technology", "coltd", "llc"),
        ("Shenzhen Huawei Technologies Co.,Ltd", "shenzhen huawei technology", "coltd", "llc"),
        ("深圳市华为技术有限公司", "shenzhen huawei technology", "ltd", "llc"),
        ("Arçelik A.Ş.", "arcelik", "as", "jsc"),
        ("ARÇELİK ANONİM ŞİRKETİ", "arcelik", "as", "jsc"),
        ("Demir Ltd. Şti.", "demir", "ltd", "llc"),
        ("DEMIR LTD STI", "demir", "ltd", "llc"),
        ("Siemens AG", "siemens", "ag", "jsc"),
        ("SiemensAG", "siemens", "ag", "jsc"),
        ("Siemens Aktiengesellschaft", "siemens", "ag", "jsc"),
        ("Gulf Star FZE", "gulf star", "fze", "llc"),
        ("Gulf Star FZCO", "gulf star", "fzco", "llc"),
        ("TOO Kazakh Trade", "kazakh trade", "too", "llc"),
        ("ТОО «Казах Трейд»", "kazakh trade", "too", "llc"),
        # Armenian company forms, in Armenian script and romanized
        ("«Մասիս Էլեկտրոնիքս» ՍՊԸ", "masis electronics", "spe", "llc"),
        ("AREV GRP SPY", "arev grp", "spe", "llc"),
        ("«Արարատ» ՓԲԸ", "ararat", "pbe", "cjsc"),
        ('Obshchestvo s ogranichennoy otvetstvennostyu "Romashka"', "romashka", "ooo", "llc"),
        ("Obshestvo s ogranichennoj otvetstvennostju Romashka", "romashka", "ooo", "llc"),
        ("Общество с ограниченной ответственностью «Ромашка»", "romashka", "ooo", "llc"),
        ("Aktsionernoe obshchestvo Almaz", "almaz", "ao", "jsc"),
        ("АО «Алмаз»", "almaz", "ao", "jsc"),
        ("JSC Almaz", "almaz", "jsc", "jsc"),
        ("PAO Sberbank", "sberbank", "pao", "pjsc"),
        ("ПАО Сбербанк", "sberbank", "pao", "pjsc"),
        ("Sberbank PJSC", "sberbank", "pjsc", "pjsc"),
        ("Публичное акционерное общество «Сбербанк»", "sberbank", "pao", "pjsc"),
        ("ЗАО «Ромашка»", "romashka", "zao", "cjsc"),
        ("CJSC Romashka", "romashka", "cjsc", "cjsc"),
        ("OAO Gazprom", "gazprom", "oao", "pjsc"),
        ("Müller GmbH", "muller", "gmbh", "llc"),
        ("Foo GmbH & Co. KG", "foo", "gmbhcokg", "lp"),
        ("Acme Holdings Pte. Ltd.", "acme holding", "pte ltd", "llc"),
        ("Ferrari S.p.A.", "ferrari", "spa", "jsc"),
        ("Banco Azteca S.A. de C.V.", "banco azteca", "sacv", "jsc"),
        ("X LLC FZE", "x", "llc", "llc"),
        ("Smart Tools LLP", "smart tool", "llp", "llp"),
        ("International Business Machines Corp.", "international business machine", "corp", "llc"),
    ],
)
def test_legal_forms_detected_and_stripped(raw, core, legal_form, legal_class):
    f = name_features(raw)
    assert (f.core, f.legal_form, f.legal_class) == (core, legal_form, legal_class)


def test_legal_form_in_the_middle_is_stripped():
    f = name_features("Huawei Technologies Co., Ltd. Shenzhen Branch")
    assert f.core == "huawei technology shenzhen branch"
    assert f.legal_class == "llc"


def test_name_that_is_only_a_legal_form_has_empty_core():
    for raw in ["ООО", "LLC", "Co., Ltd.", "有限公司", "Limited Liability Company"]:
        f = name_features(raw)
        assert f.core == "" and f.tokens == () and f.keys == () and f.joined == ""
        assert f.legal_class == "llc"


def test_all_legal_words_keeps_the_first_as_name():
    f = name_features("Union AG SA")
    assert f.core != ""


@pytest.mark.parametrize(
    ("typed", "spelled"),
    [
        # one letter missing in a long legal phrase (seen splitting a 540-record company in two)
        (
            "ТОВАРИЩЕСТВО С ОГРАНИЧЕННОЙ ОВЕТСТВЕННОСТЬЮ «ГЛОБАЛ СОЛЮШНС»",
            "ТОВАРИЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ «ГЛОБАЛ СОЛЮШНС»",
        ),
        # two Cyrillic letters swapped: one romanized letter moved (oshchbestvo / obshchestvo)
        (
            "Ощбество с ограниченной ответственностью «Лидер-Транс»",
            "Общество с ограниченной ответственностью «Лидер-Транс»",
        ),
        (
            "Obshestvo s ogranichenoy otvetstvennostyu Romashka",
            "Obshchestvo s ogranichennoy otvetstvennostyu Romashka",
        ),
        ("Acme Corporaton", "Acme Corporation"),
        ("Siemens Aktiengeselschaft", "Siemens Aktiengesellschaft"),
    ],
)
def test_typos_in_long_legal_form_words_are_read_through(typed, spelled):
    f, g = name_features(typed), name_features(spelled)
    assert g.legal_class is not None
    assert (f.core, f.legal_class) == (g.core, g.legal_class)


@pytest.mark.parametrize(
    ("raw", "core"),
    [
        ("Associated Trading", "associated trade"),  # short of a legal word by more than a typo
        ("Partnerships Capital", "partnerships capital"),  # not a legal form at the start
        ("Corporate Holdings", "corporate holding"),  # "corporate" is a word, not a typo
        # read as "limited", which is never stripped from the start
        ("Limiter Industries", "limiter industry"),
    ],
)
def test_words_near_legal_forms_stay_name_words(raw, core):
    assert name_features(raw).core == core


@pytest.mark.parametrize(
    ("raw", "core"),
    [
        ("Agro AG", "agro"),  # AG inside a word is not a legal form
        ("Ag Kasse", "ag kasse"),  # AG is never a prefix
        ("Dao AO Trading", "dao ao trade"),  # AO / SA only at start or end
        ("Casa SA Export", "casa sa export"),
        ("Sao Paulo Trading", "sao paulo trade"),
        ("Go Trading", "go trade"),  # rigour's two-letter aliases are not stripped
        ("Fund II", "fund ii"),
        ("Day Spa Center", "day spa center"),
        ("Limited Edition Ltd", "limited edition"),  # "limited" is suffix-only
    ],
)
def test_ambiguous_short_forms_are_kept(raw, core):
    assert name_features(raw).core == core


def test_legal_forms_are_case_and_punctuation_insensitive():
    variants = ["Co., Ltd.", "CO.,LTD", "co ltd", "Co. Ltd", "CO LTD."]
    classes = {name_features(f"Acme {v}").legal_class for v in variants}
    cores = {name_features(f"Acme {v}").core for v in variants}
    assert classes == {"llc"} and cores == {"acme"}


def _rigour_or_skip():
    """rigour is a development-only dependency (drift guards); skip when it is absent."""
    return pytest.importorskip(
        "rigour", reason="rigour not installed (pip install -e '.[dev]'): drift guard skipped"
    )


def test_vendored_org_types_match_installed_rigour():
    """org_types_rigour.json must agree with the rigour version installed (drift guard)."""
    _rigour_or_skip()
    from rigour.names.org_types import extract_org_types

    path = resources.files("resolver.normalize").joinpath("data", "org_types_rigour.json")
    entries = json.loads(path.read_text("utf-8"))
    assert len(entries) >= 400
    total = agree = 0
    for entry in entries:
        expected = entry.get("compare") or entry.get("display")
        if not expected:
            continue
        for alias in entry["aliases"]:
            total += 1
            found = extract_org_types(alias.casefold())
            agree += bool(found) and found[0][1] == expected.casefold()
    assert total > 1500
    assert agree / total > 0.97  # the rest are aliases shared by two entries


def test_vendored_territories_match_installed_rigour():
    """territories_rigour.tsv must be exactly what the installed rigour builds (drift guard;
    regenerate with scripts/vendor_rigour_territories.py)."""
    _rigour_or_skip()
    script = Path(__file__).resolve().parents[2] / "scripts/vendor_rigour_territories.py"
    spec = importlib.util.spec_from_file_location("vendor_rigour_territories", script)
    vendor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor)
    path = resources.files("resolver.normalize").joinpath("data", "territories_rigour.tsv")
    shipped = path.read_text("utf-8").splitlines()[1:]  # the version comment may differ
    assert shipped == vendor.render(vendor.build_rows()).splitlines()[1:]


def test_countries_need_no_rigour_at_run_time():
    """normalize_country answers from the vendored tables alone (rigour is dev-only)."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['rigour'] = None; sys.modules['normality'] = None\n"
        "from resolver.normalize import normalize_country as c\n"
        "print(c('Deutschland'), c('Dubai'), c('Ελλάδα'), c('საქართველო'), c('deu'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["DE", "AE", "GR", "GE", "DE"]


# ---------------------------------------------------------------------------------------------
# 2. Transliteration: romanization-invariant keys
# ---------------------------------------------------------------------------------------------

KEY_GROUPS = {
    # BGN/PCGN, GOST 7.79 B, ICAO, ISO 9, informal, German-style, French-style
    "Щукин": ["Щукин", "Shchukin", "Shhukin", "Ščukin", "Schtschukin", "Shukin", "Shtchukin"],
    "Химпром": ["Химпром", "Khimprom", "Ximprom", "Himprom", "Chimprom"],
    "Центр": ["Центр", "Tsentr", "Centr", "Zentr", "Czentr", "Center"],
    "Якутск": ["Якутск", "Yakutsk", "Jakutsk", "Iakutsk", "Âkutsk"],
    "Журавль": ["Журавль", "Zhuravl", "Žuravl", "Shurawl", "Schurawl", "Zhuravl'", "Žuravlʹ"],
    "Юнитекс": ["Юнитекс", "Yuniteks", "Juniteks", "Iuniteks", "Ûniteks", "Unitex"],
    "Восток": ["Восток", "Vostok", "Wostok"],
    "Чайка": ["Чайка", "Chaika", "Chayka", "Tschaika", "Čajka", "Tchaika", "Chajka"],
    "Ёлка": ["Ёлка", "Yolka", "Elka", "Jolka", "Ëlka"],
    "Татьяна": ["Татьяна", "Tatyana", "Tatiana", "Tatjana", "Tat'yana"],
    "Иванов": ["Иванов", "Ivanov", "Iwanow", "Ivanoff"],
    "Евросиб": ["Евросиб", "Evrosib", "Yevrosib", "Jewrosib"],
    "Ильюшин": ["Ильюшин", "Ilyushin", "Iliushin", "Il'jushin", "Iljuschin"],
    "Хабаровск": ["Хабаровск", "Khabarovsk", "Xabarovsk", "Chabarowsk", "Habarovsk"],
    "Жуков": ["Жуков", "Zhukov", "Žukov", "Schukow", "Zhukoff"],
    # English brands registered in Cyrillic (machine/technology also via synonyms)
    "machine": ["Машин", "mashin", "machine"],
    "technology": ["Технолоджи", "tekhnolodzhi", "technology", "tehnolodzhi"],
    "tools": ["Тулс", "tuls", "tools"],
    "i": ["Ай", "ai", "i", "ay", "aj"],
    "international": ["Интернэшнл", "Интернешнл", "international", "interneshnl"],
    "trading": ["Трейдинг", "treyding", "treiding", "trading"],
    "systems": ["Систем", "Системс", "sistems", "systems", "system"],
    "group": ["Групп", "grupp", "group"],
    "engineering": ["Инжиниринг", "inzhiniring", "engineering"],
    "holding": ["Холдинг", "kholding", "holding"],
    "export": ["Экспорт", "eksport", "export"],
    "energy": ["Энерджи", "energy", "enerdzhi"],
    "smart": ["Смарт", "smart"],
    # German, Turkish, Czech diacritics
    "Müller": ["Müller", "Mueller", "Muller", "MÜLLER"],
    "Şişecam": ["Şişecam", "Sisecam", "SİSECAM"],
    "Arçelik": ["Arçelik", "Arcelik", "ARÇELİK"],
    "Škoda": ["Škoda", "Skoda"],
    # Wade-Giles / Taiwanese spellings vs pinyin vs characters
    "Zhong": ["Chung", "Zhong", "中"],
    "Xin": ["Hsin", "Xin", "新"],
    "Guo": ["Kuo", "Guo", "国"],
    "Cai": ["Tsai", "Cai", "蔡"],
    "Zhang": ["Chang", "Zhang", "张"],
    "Chen": ["Ch'en", "Chen", "陈"],
    "Xie": ["Hsieh", "Xie", "谢"],
    "Zeng": ["Tseng", "Zeng", "曾"],
    "Li": ["Li", "Lee", "李"],
}


@pytest.mark.parametrize("group", sorted(KEY_GROUPS))
def test_transliteration_variants_share_keys(group):
    keys = {name_features(v).keys for v in KEY_GROUPS[group]}
    assert len(keys) == 1, {v: name_features(v).keys for v in KEY_GROUPS[group]}


def test_known_approximate_key_pairs():
    """Documented near-misses: equal in joined or close under Jaro-Winkler on key_string."""
    import jellyfish

    # GOST 7.79 B "x" inside a word reads as English "ks".
    a, b = name_features("texnolodzhi").key_string, name_features("technology").key_string
    assert a != b and jellyfish.jaro_winkler_similarity(a, b) > 0.75
    # Czech/ISO 9 "č" is "ch"; a plain "c" before a/o/u is a hard k.
    a, b = name_features("Čapek").key_string, name_features("Capek").key_string
    assert a != b and jellyfish.jaro_winkler_similarity(a, b) > 0.75


def test_cyrillic_romanization_bgn_style():
    assert name_features("Щукин Жук Цех Юла Ёж Хлеб Чай Шар Ыйя").latin == (
        "shchukin zhuk tsekh yula ezh khleb chay shar yyya"
    )
    assert name_features("Подъезд Объект Ильич").latin == "podezd obekt ilich"
    assert name_features("Київ Ґанок Єва").latin == "kiyiv ganok yeva"


def test_hyphenated_and_joined_syllables_meet_in_joined():
    forms = ["Yi-Sheng Trading", "Yi Sheng Trading", "Yisheng Trading", "YI-SHENG TRADING"]
    assert {name_features(f).joined for f in forms} == {"yishengtrade"}
    assert name_features("Yi-Sheng").tokens == name_features("Yi Sheng").tokens


def test_chinese_characters_to_pinyin_words():
    f = name_features("北京百度网讯科技有限公司")
    assert f.latin == "beijing baiduwangxun keji youxian gongsi"
    assert f.core == "beijing baiduwangxun technology"
    assert f.script == "han"
    # Phrase-aware readings: 银行 is yinhang, 重庆 is chongqing, 长安 is changan.
    assert "yinhang" in name_features("中国银行").latin
    assert name_features("重庆长安汽车股份有限公司").latin.startswith("chongqing changan")
    assert name_features("中国银行股份有限公司").legal_class == "jsc"


def test_chinese_name_meets_english_name():
    zh = name_features("深圳市华为技术有限公司")
    en = name_features("Shenzhen Huawei Technologies Co., Ltd.")
    assert (zh.core, zh.keys, zh.legal_class) == (en.core, en.keys, en.legal_class)


def test_wade_giles_syllable_table():
    assert chinese_syllable("hsin") == chinese_syllable("xin")
    assert chinese_syllable("chung") == chinese_syllable("zhong")
    assert chinese_syllable("machine") == "machine"
    assert token_key("kuo") == token_key("guo")


def test_turkish_dotted_and_dotless_i():
    assert name_features("İSTANBUL İTHALAT").latin == "istanbul ithalat"
    assert name_features("ışık").latin == "isik"
    assert name_features("IŞIK").latin == "isik"
    assert "\u0307" not in name_features("İzmir").latin


def test_german_umlauts_and_eszett():
    assert name_features("Müller Straße GmbH").latin == "muller strasse gmbh"
    assert name_features("Mueller").keys == name_features("Müller").keys


def test_mixed_script_name():
    f = name_features("ООО Smart Тулс")
    assert f.script == "mixed"
    assert f.core == "smart tool"
    assert f.core == name_features("Smart Tools LLC").core
    assert f.legal_class == "llc"


def test_other_scripts_romanize():
    assert name_features("Ελληνικά Πετρέλαια").latin == "ellenika petrelaia"
    assert name_features("Ελληνικά Πετρέλαια").script == "greek"
    assert name_features("삼성전자").script == "hangul"
    assert name_features("삼성전자").latin == "samseong jeonja"  # split at 전자 (electronics)
    assert name_features("トヨタ").latin == "toyota"
    assert name_features("トヨタ自動車株式会社").script == "kana"
    assert name_features("شركة الاتصالات").script == "arabic"
    assert name_features("شركة الاتصالات").latin.isascii()


# ---------------------------------------------------------------------------------------------
# 3. English brands registered in Cyrillic
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cyrillic", "english"),
    [
        ("Смарт Тулс", "Smart Tools"),
        ("Ай Машин Технолоджи", "I Machine Technology"),
        ("Интернэшнл Трейдинг Групп", "International Trading Group"),
        ("Интернешнл Бизнес Системс", "International Business Systems"),
        ("Глобал Инжиниринг Сервис", "Global Engineering Services"),
        ("Юнитекс Логистик", "Unitex Logistics"),
        ("Энерджи Холдинг", "Energy Holding"),
    ],
)
def test_cyrillic_brand_meets_english_in_keys(cyrillic, english):
    c, e = name_features(cyrillic), name_features(english)
    assert c.keys == e.keys, (c, e)


def test_cyrillic_brand_meets_english_in_core():
    assert name_features("ООО «Смарт Тулс»").core == name_features("Smart Tools LLC").core
    assert name_features("Интернэшнл Трейдинг Групп").core == "international trade group"


# ---------------------------------------------------------------------------------------------
# 4. Word evidence: stopwords, synonyms, numbers, initials, punctuation
# ---------------------------------------------------------------------------------------------


def test_stopwords_removed_from_core():
    assert name_features("The Bank of New York").core == "bank new york"
    assert name_features("Müller und Söhne").core == "muller sohne"
    assert name_features("Banco de la Nación").core == "banco nacion"
    assert name_features("Sanayi ve Ticaret").core == "industry trade"
    assert name_features("Smith & Sons").core == "smith sons"
    assert name_features("Smith and Sons").core == name_features("Smith & Sons").core
    assert name_features("The The").core == "the the"  # nothing but stopwords: kept


def test_single_letters_are_not_stopwords():
    assert name_features("I Machine").tokens[0] == "i"
    assert name_features("A Plus Trading").tokens[0] == "a"


def test_cross_lingual_synonyms():
    assert name_features("Торговый дом «Восток»").core == "trade vostok"
    assert name_features("Torgovyi Dom Vostok").core == "trade vostok"
    assert name_features("Vostok Impex").core == "vostok trade"
    assert name_features("Vostok Import-Export").core == "vostok trade"
    assert name_features("Vostok Import & Export").core == "vostok trade"
    assert name_features("Технология").core == name_features("Technologies").core
    assert name_features("Инжиниринг").core == "engineering"
    assert name_features("Машин").core == "machine"
    assert name_features("科技").core == "technology"


@pytest.mark.parametrize(
    ("other", "listed"),
    [
        ("Ladoga Menedjment", "Ladoga Menedzhment"),
        ("Severnaia Energeticheskaia Kompaniia", "Severnaya Energeticheskaya Kompaniya"),
        ("Congocom Trading Huse", "Congocom Trading House"),
    ],
)
def test_synonyms_meet_other_romanizations_of_their_variants(other, listed):
    assert name_features(other).folds == name_features(listed).folds


def test_short_words_need_the_listed_spelling_of_a_synonym():
    assert name_features("Sigma Teh").core == "sigma teh"  # "tekh" is technology, "teh" is not
    # a fold shared with a variant is not enough: Congo folds like the pinyin Konggu (holding)
    assert name_features("Congo Futur").core == "congo futur"


def test_numbers_kept_as_tokens():
    one, two = name_features("Fund 1"), name_features("Fund 2")
    assert one.numbers == ("1",) and two.numbers == ("2",)
    assert one.tokens == ("fund", "1") and one.keys != two.keys
    assert name_features("Plant No. 007").numbers == ("7",)
    assert name_features("Plant № 7").core == "plant 7"
    assert name_features("Завод №5").core == "plant 5"  # завод translates (translated_words)


def test_initials():
    assert name_features("International Business Machines").initials == "ibm"
    assert name_features("I.B.M.").core == "ibm"
    assert name_features("Fund 1").initials == "f"


@pytest.mark.parametrize(
    "raw",
    ['"Smart Tools"', "«Smart Tools»", "„Smart Tools“", "'Smart Tools'", "“Smart Tools”"],
)
def test_quotes_removed(raw):
    assert name_features(raw).latin == "smart tools"


def test_dotted_abbreviations_joined():
    assert name_features("S.A.").latin == "sa"
    assert name_features("U.S.A. Trading").latin == "usa trading"
    assert name_features("Co.,Ltd").latin == "co ltd"
    assert name_features("J.P. Morgan").core == "jp morgan"


def test_apostrophes_inside_words_vanish():
    assert name_features("O'Neil").latin == "oneil"
    assert name_features("Ch’en").latin == "chen"
    assert name_features("L'Oréal").latin == "loreal"


def test_joined_handles_split_brand():
    assert name_features("Grand Unity Ltd").joined == name_features("GrandUnity").joined


# ---------------------------------------------------------------------------------------------
# Robustness and scripts
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [None, "", "   ", "\x00", "\ud800", "\u200f\u200d", "\u0301\u0301", "-", "«»", "©®™"],
)
def test_blank_or_junk_gives_empty_features(raw):
    f = name_features(raw)
    assert f.core == "" and f.tokens == () and f.keys == () and f.legal_class is None


def test_non_string_input_does_not_raise():
    assert name_features(float("nan")).core == ""  # type: ignore[arg-type]
    assert name_features(123).core == ""  # type: ignore[arg-type]
    assert name_features(["x"]).core == ""  # type: ignore[arg-type]


def test_invisible_characters_are_ignored():
    assert name_features("Sm\u200bart\u00ad Too\u200dls\u200f").latin == "smart tools"
    assert name_features("ООО\u00a0«Ромашка»").core == "romashka"


def test_long_input_is_bounded():
    f = name_features("Trading " * 2000)
    assert len(f.latin) <= 1000
    assert name_features(f.latin).latin == f.latin


@pytest.mark.parametrize(
    ("raw", "script"),
    [
        ("Siemens AG", "latin"),
        ("ООО Ромашка", "cyrillic"),
        ("华为", "han"),
        ("ООО Smart Тулс", "mixed"),
        ("삼성", "hangul"),
        ("トヨタ", "kana"),
        ("Αθήνα", "greek"),
        ("شركة", "arabic"),
        ("12345", "none"),
        ("", "none"),
        ("אל על", "other"),
        ("Siemens АГ", "mixed"),
        ("Публичное акционерное общество Сбербанк России PJSC", "cyrillic"),
    ],
)
def test_detect_script(raw, script):
    assert detect_script(raw) == script
    assert name_features(raw).script == script


def test_latin_tokens_pipeline_is_shared():
    assert latin_tokens("ООО «Ай Машин»") == ["ooo", "ay", "mashin"]


def test_normalization_version_is_a_string():
    assert isinstance(NORMALIZATION_VERSION, str) and NORMALIZATION_VERSION


# ---------------------------------------------------------------------------------------------
# Countries, cities, addresses, tax ids
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "iso2"),
    [
        ("RU", "RU"),
        ("rus", "RU"),
        ("Russian Federation", "RU"),
        ("РФ", "RU"),
        ("Россия", "RU"),
        ("UAE", "AE"),
        ("U.A.E.", "AE"),
        ("阿联酋", "AE"),
        ("Hong Kong SAR", "HK"),
        ("香港", "HK"),
        ("Taiwan, Province of China", "TW"),
        ("Chinese Taipei", "TW"),
        ("台湾", "TW"),
        ("Türkiye", "TR"),
        ("TÜRKİYE", "TR"),
        ("Turkey", "TR"),
        ("Турция", "TR"),
        ("中国", "CN"),
        ("PRC", "CN"),
        ("Germany", "DE"),
        ("Deutschland", "DE"),
        ("Германия", "DE"),
        ("Korea, Republic of", "KR"),
        ("Lao PDR", "LA"),
        ("Kyrgyzstan", "KG"),
        ("Кыргызстан", "KG"),
        ("Viet Nam", "VN"),
        ("Kosovo", "XK"),
        ("United States of America", "US"),
        ("Dubai", "AE"),
    ],
)
def test_normalize_country(raw, iso2):
    assert normalize_country(raw) == iso2


@pytest.mark.parametrize("raw", [None, "", "  ", "N/A", "-", "xx", "unknown", "EU", "Blah"])
def test_normalize_country_unknown(raw):
    assert normalize_country(raw) is None


@pytest.mark.parametrize(
    ("variants", "city"),
    [
        (["Moskva", "Moscow", "Москва", "г. Москва", "MOSCOW CITY"], "moscow"),
        (
            ["Sankt-Peterburg", "St. Petersburg", "Санкт-Петербург", "Saint Petersburg", "SPb"],
            "saint petersburg",
        ),
        (["Shenzhen", "深圳", "深圳市", "SHENZHEN"], "shenzhen"),
        (["Yekaterinburg", "Ekaterinburg", "Jekaterinburg", "Екатеринбург"], "yekaterinburg"),
        (["Almaty", "Alma-Ata", "Алматы"], "almaty"),
        (["İstanbul", "Istanbul", "Стамбул"], "istanbul"),
    ],
)
def test_normalize_city(variants, city):
    assert {normalize_city(v) for v in variants} == {city}


@pytest.mark.parametrize(
    ("variants", "city"),
    [
        (["Gyumri", "Гюмри", "Գյումրի", "Giumri"], "gyumri"),
        (["Taoyuan", "桃園", "Taoyuan City"], "taoyuan"),
        (["Changsha", "长沙"], "changsha"),
        (["Turin", "Torino"], "turin"),
        # another romanization (the same folded words) still finds the city by its key
        (["Chelyabinsk", "Tscheljabinsk", "Cheliabinsk"], "chelyabinsk"),
        (["Yerevan", "Jerewan"], "yerevan"),
    ],
)
def test_normalize_city_aliases(variants, city):
    assert {normalize_city(v) for v in variants} == {city}


@pytest.mark.parametrize(
    ("raw", "not_city"),
    [
        # these share a consonant key with a listed city, but are other places
        ("Thane", "tianjin"),
        ("Tainan", "tianjin"),
        ("Changhua", "hangzhou"),
        ("Zhanghua", "shanghai"),
        ("Taichung", "tianjin"),
    ],
)
def test_normalize_city_key_collision_is_not_a_match(raw, not_city):
    assert normalize_city(raw) != not_city


def test_normalize_city_unknown_and_blank():
    assert normalize_city("Novokuznetsk") == "novokuznetsk"
    assert normalize_city("Новокузнецк") == "novokuznetsk"
    assert normalize_city("") == "" and normalize_city(None) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "г. Москва, ул. Тверская, д. 7, стр. 2, офис 305",
            "moscow ul tverskaya d 7 bld 2 of 305",
        ),
        ("Moscow, Tverskaya ulitsa 7 bld 2 office 305", "moscow tverskaya ul 7 bld 2 of 305"),
        ("пр-т Мира, 5", "pr mira 5"),
        ("Prospekt Mira 5", "pr mira 5"),
        ("123 Main Street, Suite 400", "123 main st ste 400"),
        ("12 Nathan Road", "12 nathan rd"),
        ("Berliner Str. 5, 10115 Berlin", "berliner st 5 10115 berlin"),
        (
            "Atatürk Mah. Cumhuriyet Cad. No:12 Kat:3 Şişli/İstanbul",
            "ataturk mah cumhuriyet st 12 fl 3 sisli istanbul",
        ),
        ("广东省深圳市南山区科技园路1号", "guangdong obl shenzhen nanshan rn keji yuan rd 1 d"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_address(raw, expected):
    assert normalize_address(raw) == expected


def test_address_chinese_meets_english_as_token_set():
    zh = normalize_address("广东省深圳市南山区科技园路1号")
    en = normalize_address("1 Keji Yuan Road, Nanshan District, Shenzhen, Guangdong Province")
    assert set(zh.split()) - {"d"} == set(en.split())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7707 083 893", "7707083893"),
        ("ИНН 7707083893", "7707083893"),
        ("INN: 7707083893", "7707083893"),
        ("ИНН/КПП 7707083893/770701001", "7707083893"),
        ("VAT DE 123 456 789", "DE123456789"),
        ("de-123.456.789", "DE123456789"),
        ("91440300-192203821-j", "91440300192203821J"),
        ("АВ123", "AB123"),  # Cyrillic look-alikes
        ("STIR 271863150", "271863150"),  # Uzbekistan
        ("BR No. 12345678", "12345678"),  # Hong Kong business registration
        ("統一編號 12345678", "12345678"),  # Taiwan UBN
        ("USt-IdNr. DE123456789", "DE123456789"),
        ("Tax No: 1234567890", "1234567890"),
        ("ՀՎՀՀ 02512345", "02512345"),  # Armenia
        ("Kadıköy V.D. 1234567890", "1234567890"),  # Turkish tax office, then the VKN
        ("KADIKÖY VERGİ DAİRESİ 1234567890", "1234567890"),
        ("VD123", "VD123"),  # no office name: the letters are part of the id
        ("0", None),
        ("000000", None),
        ("N/A", None),
        ("n/a", None),
        ("-", None),
        ("none", None),
        ("NULL", None),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_normalize_tax_id(raw, expected):
    assert normalize_tax_id(raw) == expected
