"""Names in Japanese, Korean, Arabic-script, Greek, Armenian, Georgian, Hebrew and Turkic
spellings against their Latin forms, with real names (EDINET filers, UN and OFAC entries, listed
companies), and the translated generic words; negatives: different companies that share a
generic translated word stay apart."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from resolver import Resolver
from resolver.features import ABJAD_COLUMN, record_features
from resolver.normalize import ABJAD_SCRIPTS, name_features
from resolver.normalize.japanese import is_japanese, kana_to_romaji
from resolver.normalize.translit import latin_tokens, token_fold, token_key


def keys(name: str) -> set[str]:
    return set(name_features(name).keys)


def folds(name: str) -> set[str]:
    """The folded words a name is compared on (the same words in any romanization)."""
    return set(name_features(name).folds)


def core(name: str) -> str:
    return name_features(name).core


# ---------------------------------------------------------------------------------------------
# Japanese (EDINET legal names and the companies' own English names)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("japanese", "english"),
    [
        ("カネコ種苗株式会社", "KANEKO SEEDS CO., LTD."),  # 種苗 shubyo = seeds
        ("三井金属株式会社", "Mitsui Kinzoku Company, Limited"),
        ("日本精鉱株式会社", "NIHON SEIKO CO.,LTD."),  # kanji read Japanese, not pinyin
        ("ＤＯＷＡホールディングス株式会社", "DOWA HOLDINGS CO.,LTD."),  # full-width Latin
        ("トヨタ自動車株式会社", "Toyota Motor Corporation"),  # 自動車 jidosha = motor
        ("株式会社ニッスイ", "Nissui Corporation"),  # sokuon: ニッスイ -> nissui
        ("株式会社　長谷工コーポレーション", "HASEKO Corporation"),  # katakana "corporation"
    ],
)
def test_japanese_names_meet_their_english_names(japanese, english):
    ja, en = name_features(japanese), name_features(english)
    assert ja.core == en.core
    assert ja.legal_class == en.legal_class == "llc"


def test_japanese_kanji_are_read_as_japanese():
    assert latin_tokens("日本精鉱株式会社")[1:2] == ["seiko"]  # not "jing kuang"
    assert latin_tokens("カネコ種苗株式会社")[:2] == ["kaneko", "shubyo"]
    assert latin_tokens("株式会社　サカタのタネ") == [
        "kabushiki",
        "gaisha",
        "sakata",
        "tane",
    ]  # the particle の is dropped


def test_japanese_legal_forms_and_marks():
    for name in ("(株)ニッスイ", "㈱ニッスイ", "（株）ニッスイ", "ニッスイ株式会社", "Nissui K.K."):
        f = name_features(name)
        assert (f.core, f.legal_form, f.legal_class) == ("nissui", "kk", "llc"), name
    assert name_features("有限会社ニッスイ").legal_class == "llc"
    assert name_features("ニッスイ合同会社").legal_form == "gk"
    assert name_features("Nissui Godo Kaisha").legal_form == "gk"


def test_japanese_detection_needs_kana_or_a_japanese_legal_form():
    assert is_japanese("トヨタ") and is_japanese("日本精鉱株式会社") and is_japanese("㈱極洋")
    assert not is_japanese("华为技术有限公司")  # Chinese stays pinyin
    assert latin_tokens("华为技术有限公司")[0] == "huawei"


def test_kana_to_hepburn():
    assert kana_to_romaji("シュビョウ") == "shubyo"  # long vowel ou -> o
    assert kana_to_romaji("ニッスイ") == "nissui"
    assert kana_to_romaji("マッチャ") == "matcha"  # sokuon before ch
    assert kana_to_romaji("ホールディングス") == "horudingusu"  # ー dropped
    assert kana_to_romaji("ちば") == "chiba"  # hiragana too


@pytest.mark.parametrize(
    "group",
    [
        ["Tsukuba", "Tukuba"],  # Hepburn / Kunrei tsu
        ["Kogyo", "Kougyou", "Kohgyo", "Kōgyō"],  # long vowels
        ["Ono", "Ohno", "Oono", "Ōno"],
        ["Kaisha", "Kaisya"],  # sha / sya
        ["Fujitsu", "Fuzitu"],  # Nihon-shiki zi / tu (hu and ti are left: Huawei, Tatiana)
        ["Shinbun", "Shimbun"],  # n / m before b
        ["Hokkaido", "Hokkaidou", "Hokaido"],  # double consonant
    ],
)
def test_japanese_romanization_standards_share_keys(group):
    assert len({token_key(latin_tokens(w)[0]) for w in group}) == 1, group


def test_katakana_loanwords_come_out_as_english():
    assert core("株式会社ヒロタグループホールディングス") == "hirota group holding"
    assert core("テクノロジー") == "technology" and core("エンジニアリング") == "engineering"
    assert core("システム") == "system"
    assert core("シップヘルスケアホールディングス株式会社") == "ship healthcare holding"


def test_generic_kanji_words_come_out_as_their_english_form():
    assert core("丸八倉庫株式会社") == "maruhachi warehouse"  # Maruhachi Warehouse Company
    assert core("北海道電力株式会社") == "hokkaido electric power"
    assert core("株式会社遠藤照明") == "endo lighting"
    # only in Japanese names: the romaji and Chinese text are left alone
    assert core("Soko Bank") == "soko bank" and latin_tokens("仓库")[0] != "warehouse"


def test_japanese_companies_sharing_a_generic_word_stay_apart():
    # 工業 (kogyo, industry) is generic: Daiwa House Industry and Toa Road Industry share only it
    daiwa, toa = name_features("大和ハウス工業株式会社"), name_features("東亜道路工業株式会社")
    assert daiwa.core == "daiwa house industry" and toa.core == "toa doro industry"
    assert set(daiwa.keys) & set(toa.keys) == {token_key("industry")}


@pytest.mark.parametrize(
    ("japanese", "english"),
    [  # EDINET filers (dev half): the legal name and the company's own English name
        ("住友ファーマ株式会社", "Sumitomo Pharma Co., Ltd."),
        ("シルバーエッグ・テクノロジー株式会社", "Silver Egg Technology CO.,Ltd."),
        ("株式会社ケアサービス", "Care Service Co., Ltd."),
        ("株式会社エスクロー・エージェント・ジャパン", "Escrow Agent Japan ,Inc."),
        ("株式会社アイ・エス・ビー", "ISB CORPORATION"),  # katakana letter names
        ("ピー・シー・エー株式会社", "PCA CORPORATION"),
        ("株式会社エーアイ", "AI,Inc."),
        ("株式会社　東芝", "TOSHIBA CORPORATION"),  # the legal form in another chunk
        ("株式会社　名古屋銀行", "The Bank of Nagoya, Ltd."),
    ],
)
def test_japanese_loanwords_letters_and_spaced_names_meet_english(japanese, english):
    assert folds(japanese) == folds(english)


def test_katakana_letter_names_are_letters_in_initialisms_only():
    assert core("ローランド　ディー．ジー．株式会社") == "rorando dg"
    assert core("株式会社アイ") == "ai"  # one letter name alone is a word (アイ = ai)
    # ツー (two) is no letter: no initialism, but the letter names beside it are letters
    assert core("エイチ・ツー・オー　リテイリング株式会社") == "h ts o retailing"
    assert core("株式会社アイドマ") == "aidoma"
    # in a sequence of words, a word of letter names is those letters
    assert core("株式会社ブイ・テクノロジー") == "v technology"  # V Technology Co., Ltd.
    assert core("株式会社デイ・シイ") == "dc"  # DC CO., LTD.
    assert core("株式会社コーチ・エィ") == "coach a"  # COACH A Co.,Ltd.


@pytest.mark.parametrize(
    ("japanese", "english"),
    [  # EDINET filers (dev half) whose katakana words only UniDic's loanword table knows
        ("株式会社バッファロー", "BUFFALO INC."),
        ("イーグル工業株式会社", "EAGLE INDUSTRY CO.,LTD."),
        ("グローリー株式会社", "GLORY LTD."),
    ],
)
def test_unidic_loanwords_meet_english(japanese, english):
    assert folds(japanese) == folds(english)


@pytest.mark.parametrize(
    ("japanese", "english"),
    [  # EDINET filers (dev half): katakana brand names that no dictionary knows
        ("株式会社テノックス", "tenox corporation"),  # ックス -> x
        ("株式会社ソディック", "Sodick Co.,Ltd."),  # epenthetic u dropped
        ("日本プリメックス株式会社", "NIPPON PRIMEX INC."),
    ],
)
def test_katakana_brand_loanwords_lose_epenthetic_vowels(japanese, english):
    assert folds(japanese) == folds(english)


def test_native_words_in_katakana_keep_their_vowels():
    # no loanword spelling (ー, ッ, small vowels, ヴ): a Japanese word, read as written
    assert core("カネコ種苗株式会社") == "kaneko seed"
    assert core("株式会社ツムラ") == "tsumura" and core("株式会社ムラキ") == "muraki"
    assert core("株式会社ニッスイ") == "nissui"  # ッ, but no vowel between consonants to drop
    # hiragana is never a loanword
    assert core("株式会社　りゅうとう") == "ryuto u"


def test_short_loanwords_do_not_cut_brand_names():
    # タグ (tag) and ループ (loop) are not split out of ヒロタグループ: only loanwords of three
    # characters or more split runs, and グループ starts the longest one
    assert core("ヒロタグループ株式会社") == "hirota group"
    assert core("ローランド　ディー．ジー．株式会社") == "rorando dg"  # no ro + land
    # a known limit: a brand written like a dictionary word reads as that word (COSMOS INITIA)
    assert core("株式会社コスモスイニシア") == "cosmos initiative"


def test_japanese_companies_sharing_a_loanword_stay_apart():
    # ホールディングス is generic: two holding companies share only it
    a, b = (
        name_features("株式会社ベクターホールディングス"),
        name_features("プリモグローバルホールディングス株式会社"),
    )
    assert a.core == "vector holding" and b.core == "primo global holding"
    assert set(a.folds) & set(b.folds) == {token_fold("holding")}
    # the English name of another company with the same generic words is no same-words match
    assert folds("住友ファーマ株式会社") != folds("Sumitomo Chemical Co., Ltd.")


# ---------------------------------------------------------------------------------------------
# Korean
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hangul", "latin"),
    [
        ("삼성전자 주식회사", "Samsung Electronics Co., Ltd."),  # RR samseong ~ Samsung
        ("현대자동차", "Hyundai Motor"),  # RR hyeondae ~ Hyundai
        ("(주)포스코", "POSCO Co., Ltd."),
        ("LG전자", "LG Electronics"),  # Latin brand glued to Hangul
    ],
)
def test_korean_names_meet_their_latin_names(hangul, latin):
    assert keys(hangul) == keys(latin)


def test_korean_revised_romanization():
    assert latin_tokens("삼성") == ["samseong"]
    assert latin_tokens("한국어") == ["hangugeo"]  # final carried to the silent ㅇ
    assert latin_tokens("(주)포스코")[0] == "jusikhoesa"
    assert name_features("삼성전자 주식회사").legal_class == "llc"
    # McCune-Reischauer spellings meet RR in the keys
    assert token_key("hyeondae") == token_key("hyondae") == token_key("hyundai")


def test_korean_companies_sharing_a_generic_word_stay_apart():
    assert keys("삼성전자") & keys("LG전자") == {token_key("electronics")}


# ---------------------------------------------------------------------------------------------
# Arabic, Persian, Urdu (UN and OFAC entries)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "latin"),
    [
        ("گروه صنایع فجر", "FAJR INDUSTRIAL GROUP"),
        ("گروه صنایع فجر", "Fajr Industries Group"),
        ("القاعدة", "AL-QAIDA"),
        ("القاعدة", "Al Qaeda"),
        ("حرکت الجہاد الاسلامی", "HARAKAT-UL JIHAD ISLAMI"),
        ("تحریک طالبان پاکستان", "TEHRIK-E TALIBAN PAKISTAN"),
        ("تحریک طالبان پاکستان", "Tehrik-i-Taliban Pakistan"),
        ("شرکت ملی نفت ایران", "National Iranian Oil Company"),
        ("مكتب الخدمات", "MAKTAB AL-KHIDAMAT"),
    ],
)
def test_arabic_script_names_meet_their_latin_names(original, latin):
    assert keys(original) == keys(latin)


def test_arabic_script_letters_articles_and_digits():
    assert latin_tokens("القاعدة") == ["al", "qada"]  # article split off, then a stopword
    assert name_features("ash-Sham").core == name_features("al Sham").core == "sham"
    assert name_features("Bank-e Melli").core == name_features("Bank Melli").core
    assert name_features("مصنع ١٢٣").numbers == ("123",)  # Arabic-Indic digits
    assert name_features("کارخانه ۱۲۳").numbers == ("123",)  # Persian digits
    assert name_features("شرکت ملی نفت ایران").legal_class == "co"


@pytest.mark.parametrize(
    ("original", "latin"),
    [
        ("عبدالله", "Abdullah"),  # written as one word or two, on either side
        ("عبد الله", "Abdallah"),
        ("عبد الله", "Abd Allah"),
        ("نورالدين", "Nureddine"),
        ("نور الدين", "Nur al-Din"),
        ("عبدالقادر", "عبد القادر"),
        ("انصار الدين", "ANSAR EDDINE"),  # UN list
    ],
)
def test_arabic_compound_names_split_alike_in_both_scripts(original, latin):
    assert core(original) == core(latin)


def test_compound_rules_leave_other_words_alone():
    assert core("Abdullah") == "abd lah" and core("Abdul") == "abd"
    assert core("Saifullah") == "saif lah" and core("سيف الله") == "sif lah"
    assert core("Abdelkader") == "abd kader" and core("Abdurrahman") == "abd rahman"
    assert core("Aladdin Bodin Dinamo Abdo") == "aladdin bodin dinamo abdo"


def test_abjad_names_are_flagged_and_not_read_as_chinese():
    assert name_features("صدام حسين").script in ABJAD_SCRIPTS
    assert name_features("Saddam Hussein").script not in ABJAD_SCRIPTS
    # ح + س is h-s, not the Wade-Giles hs of Hsinchu (pinyin x)
    assert core("حسين") == "hasin" and core("Hsin Chu") != core("حسين چو")
    table = record_features(
        pa.table({"id": ["1", "2", "3"], "name": ["صدام حسين", "Saddam", None]})
    )
    assert table.column(ABJAD_COLUMN).to_pylist() == [True, None, None]


def test_arabic_script_companies_sharing_generic_words_stay_apart():
    # two Iranian industrial groups: only "group" and "industry" in common
    fajr, hemmat = keys("گروه صنایع فجر"), keys("گروه صنایع شهید همت")
    assert fajr & hemmat == {token_key("group"), token_key("industry")}


# ---------------------------------------------------------------------------------------------
# Greek, Armenian, Georgian, Hebrew; Turkish, Azerbaijani, Kazakh; mixed scripts
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "latin"),
    [
        ("Ελληνικά Πετρέλαια", "Ellinika Petrelaia"),  # Hellenic Petroleum, ELOT 743
        ("Հայաստանի Էլեկտրական Ցանցեր", "Hayastani Elektrakan Tsantser"),
        ("საქართველოს რკინიგზა", "Sakartvelos Rkinigza"),  # Georgian Railway
        ("בנק הפועלים", "Bank Hapoalim"),
        ("Azərbaycan Dəmir Yolları", "Azarbaycan Damir Yollari"),
        ("Қазақстан темір жолы", "Kazakstan Temir Zholy"),
        ("TÜRKİYE PETROLLERİ ANONİM ORTAKLIĞI", "Turkiye Petrolleri A.O."),
        ("ООО Siemens Технологии", "ООО «Сименс Технолоджи»"),  # Latin brand in Cyrillic
        ("株式会社ソニーSony", "Sony"),  # Latin brand in kana text
    ],
)
def test_other_scripts_meet_their_latin_spellings(original, latin):
    assert keys(original) >= keys(latin)


def test_georgian_aspiration_marks_do_not_split_words():
    assert latin_tokens("საქართველო") == ["sakartvelo"]


# ---------------------------------------------------------------------------------------------
# Translated generic words across languages
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Завод Прогресс", "Progress Plant"),
        ("Zavod Progress", "Progress Works"),
        ("Научно-производственное объединение Машиностроения", "NPO Mashinostroyeniya"),
        ("Mashinostroyeniya Scientific Production Association", "NPO Mashinostroyeniya"),
        ("大连机械", "Dalian Machinery"),
        ("گروه صنایع فجر", "Fajr Industries Group"),
    ],
)
def test_translated_company_words_meet(one, other):
    assert sorted(name_features(one).keys) == sorted(name_features(other).keys)


# ---------------------------------------------------------------------------------------------
# The shipped model: both names of a company resolve together, companies sharing a generic
# translated word do not
# ---------------------------------------------------------------------------------------------


def test_shipped_model_keeps_translated_generic_words_from_merging_companies():
    names = {
        "kaneko-ja": "カネコ種苗株式会社",
        "kaneko-en": "KANEKO SEEDS CO., LTD.",
        "sakata-ja": "株式会社　サカタのタネ",
        "sakata-en": "SAKATA SEED CORPORATION",
        "fajr-fa": "گروه صنایع فجر",
        "fajr-en": "FAJR INDUSTRIAL GROUP",
        "hemmat-fa": "گروه صنایع شهید همت",
        "hemmat-en": "SHAHID HEMMAT INDUSTRIAL GROUP",
        "samsung-ko": "삼성전자 주식회사",
        "samsung-en": "Samsung Electronics Co., Ltd.",
        "lg-ko": "LG전자 주식회사",
        "lg-en": "LG Electronics Inc.",
        # EDINET filers: katakana loanwords and generic kanji words in English
        "asahi-ja": "アサヒグループホールディングス株式会社",
        "asahi-en": "ASAHI GROUP HOLDINGS,LTD.",
        "hirota-ja": "ヒロタグループホールディングス株式会社",
        "hirota-en": "HIROTA GROUP HOLDINGS Co.,Ltd.",
        "maruhachi-ja": "丸八倉庫株式会社",
        "maruhachi-en": "Maruhachi Warehouse Company , Limited",
        "sumitomopharma-ja": "住友ファーマ株式会社",
        "sumitomopharma-en": "Sumitomo Pharma Co., Ltd.",
        "sumitomochemical-en": "Sumitomo Chemical Company, Limited",
    }
    frame = pd.DataFrame({"id": list(names), "name": list(names.values())})
    clusters = Resolver.load().dedupe(frame).clusters.to_pylist()
    entity = {row["id"]: row["entity_id"] for row in clusters}
    company = {i: i.split("-")[0] for i in names}
    for a in names:
        for b in names:
            assert (entity[a] == entity[b]) == (company[a] == company[b]), (a, b)
