"""Render an entity's name as one mention: script, romanization, legal form, quotes."""

from __future__ import annotations

from random import Random
from typing import TYPE_CHECKING

from resolver.synth.noise import QUOTES_CYR, QUOTES_LAT
from resolver.synth.romanize import (
    fold_ascii,
    fold_german,
    fold_turkish_partial,
    romanize,
    serbian_to_cyrillic,
)
from resolver.synth.vocab import (
    Country,
    LegalForm,
    Weighted,
    brand_words,
    ch,
    cn_words,
    countries,
    latin_words,
)

if TYPE_CHECKING:
    from resolver.synth.companies import Entity

# How often each Cyrillic romanization standard is met in trade paperwork.
STD_PICK = Weighted(
    [
        ("bgn", 26),
        ("passport", 14),
        ("icao", 14),
        ("gost", 8),
        ("iso9", 4),
        ("informal", 12),
        ("german", 7),
        ("unidecode", 15),
    ]
)
_PINYIN_STYLE = Weighted(
    [("joined", 60), ("spaced", 25), ("camel", 8), ("hyphen", 5), ("upper", 2)]
)
_WG_STYLE = Weighted(
    [("spaced", 45), ("hyphen", 20), ("joined", 15), ("pinyin", 12), ("pinyin_spaced", 8)]
)
_UZ_APOS = Weighted([("ʻ", 30), ("'", 40), ("`", 12), ("‘", 10), ("", 8)])


def brand_list() -> list[tuple[str, str, str, str]]:
    """All brand words as (en, cyr, kind, sector), indexable by position."""
    out = []
    for kind, items in brand_words().items():
        out.extend((en, cyr, kind, sector) for en, cyr, sector in items)
    return out


_BRANDS = brand_list()
_COUNTRIES = countries()


def syllables(parts: tuple[str, ...], style: str) -> str:
    """Join romanized syllables: Huada, Hua Da, HuaDa, Hua-Da."""
    caps = [p[:1].upper() + p[1:] for p in parts]
    if style == "joined":
        return caps[0] + "".join(parts[1:])
    if style == "spaced":
        return " ".join(caps)
    if style == "camel":
        return "".join(caps)
    if style == "hyphen":
        return caps[0] + "".join("-" + p for p in parts[1:])
    return "".join(parts).upper()


def join_lf(core: str, lf: str, before: bool, quotes: tuple[str, str], comma: bool = False) -> str:
    """Put a legal form before or after a (quoted) core name."""
    q = quotes[0] + core + quotes[1]
    if not lf:
        return q
    if before:
        return f"{lf} {q}"
    return f"{q}, {lf}" if comma else f"{q} {lf}"


def _pos(spec: str, rng: Random, before_p: float = 0.35) -> bool:
    """True when the legal form goes before the name under a position spec."""
    if spec == "before":
        return rng.random() < 0.93
    if spec == "after":
        return rng.random() < 0.03
    return rng.random() < before_p


def _front_ok(lf_text: str) -> bool:
    """Whether an English legal form reads naturally before the name (LLC Vostok, not Limited Vostok)."""
    return lf_text.isupper() or lf_text.startswith(
        ("Limited Liability", "Joint", "Closed", "Public", "Open", "Individual", "Private")
    )


def _english_placed(lf: LegalForm, rng: Random) -> tuple[str, bool]:
    """An English legal form and whether it goes before the name."""
    text = _english_lf(lf, rng)
    return text, _pos(lf.english_pos, rng, 0.3) and _front_ok(text)


def _english_lf(lf: LegalForm, rng: Random) -> str:
    return lf.english.pick(rng) if lf.english else lf.native.pick(rng)


def _cyr_forms(
    c: Country, lf: LegalForm, cyr: str, en: str, native: bool, rng: Random, std: str
) -> str:
    """A Cyrillic-registered company: native Cyrillic, romanized (several standards) or English."""
    if native:
        lf_text = lf.native.pick(rng) if rng.random() > 0.07 else ""
        return join_lf(cyr, lf_text, _pos(lf.native_pos, rng), QUOTES_CYR.pick(rng))
    if en and rng.random() < 0.4:
        lf_text = _english_lf(lf, rng) if rng.random() > 0.1 else ""
        before = _pos(lf.english_pos, rng, 0.3) and _front_ok(lf_text)
        return join_lf(en, lf_text, before, QUOTES_LAT.pick(rng), rng.random() < 0.05)
    r = rng.random()
    if r < 0.45:
        lf_text, before = lf.native.pick(rng), rng.random() < 0.85
    elif r < 0.93:
        lf_text = _english_lf(lf, rng)
        before = _pos(lf.english_pos, rng, 0.3) and _front_ok(lf_text)
    else:
        lf_text, before = "", False
    return romanize(join_lf(cyr, lf_text, before, QUOTES_LAT.pick(rng), rng.random() < 0.04), std)


def _person(
    lf: LegalForm, sur: str, given: str, patr: str, native: bool, rng: Random, std: str
) -> str:
    """An individual entrepreneur (ИП) named after the owner."""
    r = rng.random()
    if r < 0.55:
        person = f"{sur} {given} {patr}"
    elif r < 0.8:
        person = f"{sur} {given[0]}.{patr[0]}."
    elif r < 0.9:
        person = f"{sur} {given[0]}. {patr[0]}."
    else:
        person = f"{given} {sur}"
    if native:
        lf_text = lf.native.pick(rng) if rng.random() > 0.1 else ""
        return f"{lf_text} {person}".strip()
    lf_text = lf.native.pick(rng) if rng.random() < 0.5 else _english_lf(lf, rng)
    text = f"{lf_text} {person}" if rng.random() < 0.8 else f"{person} {lf_text}"
    return romanize(text, std)


def _zh(
    e_name: tuple,
    c: Country,
    city_native: str,
    city_en: str,
    lf: LegalForm,
    native: bool,
    rng: Random,
) -> str:
    """Chinese-script companies of mainland China, Taiwan and Hong Kong."""
    words = cn_words()
    tag = e_name[0]
    trade = words["trade"][e_name[1]] if e_name[1] >= 0 else None
    ind = words["industry"][e_name[2]]
    if native and trade is not None:
        if tag == "cn":
            prefix = city_native + "市" if e_name[3] else ""
            return prefix + trade.simp + ind.simp + lf.native.pick(rng)
        return trade.trad + ind.trad + lf.native.pick(rng)
    lf_text = _english_lf(lf, rng) if rng.random() > 0.05 else ""
    if tag == "cn":
        if rng.random() < 0.05:
            city = f"{city_en} Shi " if e_name[3] else ""
            body = syllables(trade.pinyin, "joined") + " " + syllables(ind.pinyin, "spaced")
            lat = lf.latin.pick(rng) if lf.latin else ""
            return f"{city}{body} {lat}".strip()
        stem = syllables(trade.pinyin, _PINYIN_STYLE.pick(rng))
        core = f"{stem} {ind.english}"
        if e_name[3]:
            r = rng.random()
            if r < 0.7:
                core = f"{city_en} {core}"
            elif r < 0.9:
                core = f"{core} ({city_en})"
        return join_lf(core, lf_text, False, ("", ""), rng.random() < 0.03)
    if tag == "tw":
        style = _WG_STYLE.pick(rng)
        if style.startswith("pinyin"):
            stem = syllables(trade.pinyin, "joined" if style == "pinyin" else "spaced")
        else:
            stem = syllables(trade.wg, style)
        return join_lf(f"{stem} {ind.english}", lf_text, False, ("", ""))
    en_stem = e_name[3]
    if not en_stem:
        r = rng.random()
        style = "spaced" if r < 0.85 else ("joined" if r < 0.93 else "hyphen")
        en_stem = syllables(trade.canto, style)
    core = f"{en_stem} {ind.english}"
    if rng.random() < 0.08:
        core += ch(rng, (" (HK)", " (Hong Kong)", " International"))
    return join_lf(core, lf_text, False, ("", ""))


def _lat(
    c: Country, lf: LegalForm, stem: str, rest: str, native: bool, rng: Random, std: str
) -> str:
    """Latin-script names (Turkish, German, Italian, Indian, US, and Latin names anywhere)."""
    core = f"{stem} {rest}" if rest else stem
    style = c.style
    if style in ("cyr", "am", "uz"):
        if native or rng.random() < 0.3:
            cyr = lf.cyr or lf.native
            return join_lf(core, cyr.pick(rng), True, QUOTES_CYR.pick(rng))
        return join_lf(core, *_english_placed(lf, rng), QUOTES_LAT.pick(rng))
    if style in ("zh", "ae"):
        return join_lf(core, _english_lf(lf, rng), False, ("", ""))
    if lf.english and rng.random() < 0.06:
        lf_text = lf.english.pick(rng)
    else:
        lf_text = lf.native.pick(rng) if rng.random() > 0.06 else ""
    if style == "tr" and lf_text:
        lf_text = _tr_lf(core, lf_text, lf)
    text = join_lf(core, lf_text, _pos(lf.native_pos, rng), ("", ""), rng.random() < 0.04)
    if style == "tr":
        r = rng.random()
        if r < 0.35:
            return fold_ascii(text)
        if r < 0.45:
            return fold_turkish_partial(text)
    elif style == "de":
        r = rng.random()
        if r < 0.2:
            return fold_german(text)
        if r < 0.3:
            return fold_ascii(text)
    elif style == "rs":
        if native:
            return serbian_to_cyrillic(text)
        if rng.random() < 0.3:
            return fold_ascii(text)
    return text


def _tr_lf(core: str, lf_text: str, lf: LegalForm) -> str:
    """Drop trade-title words (San. ve Tic., Dış Tic.) from a Turkish legal form the name has."""
    parts = lf_text.split()
    extra = parts[:-2] if lf.key == "LTD" else parts[:-1]
    have = {w[:3].lower() for w in core.split()}
    if any(len(w) > 2 and w[:3].lower() in have for w in extra):
        return lf.native_short
    return lf_text


def _ae(lf: LegalForm, name_i: int, ind_i: int, native: bool, rng: Random) -> str:
    """UAE names of Arabic origin: several romanizations of Al-... and rarely Arabic script."""
    lw = latin_words()["AE"]
    canon, variants, arabic = lw["names"][name_i]
    industry = lw["industry"][ind_i]
    if native:
        return f"{arabic} {industry[2]} {lf.native.pick(rng)}"
    stem = ch(rng, variants) if variants and rng.random() < 0.45 else canon
    return join_lf(
        f"{stem} {industry[0]}", _english_lf(lf, rng), False, ("", ""), rng.random() < 0.04
    )


def _am(lf: LegalForm, stem_i: int, word_i: int, native: bool, rng: Random) -> str:
    """Armenian companies: Latin, Russian Cyrillic or Armenian script."""
    lw = latin_words()["AM"]
    lat, alts, cyr, arm = lw["stems"][stem_i]
    word = lw["words"][word_i] if word_i >= 0 else None
    if native:
        if rng.random() < 0.6:
            core = cyr + (" " + word[1] if word else "")
            return join_lf(core, (lf.cyr or lf.native).pick(rng), True, QUOTES_CYR.pick(rng))
        core = arm + (" " + word[2] if word else "")
        return join_lf(core, lf.native.pick(rng), False, QUOTES_CYR.pick(rng))
    stem = ch(rng, alts) if alts and rng.random() < 0.3 else lat
    core = stem + (" " + word[0] if word else "")
    return join_lf(core, *_english_placed(lf, rng), QUOTES_LAT.pick(rng))


def _uz(lf: LegalForm, stem_i: int, word_i: int, native: bool, rng: Random) -> str:
    """Uzbek companies: Uzbek Latin (with its oʻ/gʻ apostrophes) or Russian Cyrillic."""
    lw = latin_words()["UZ"]
    lat, cyr = lw["stems"][stem_i]
    word = lw["words"][word_i]
    if native:
        return join_lf(
            f"{cyr} {word[1]}", (lf.cyr or lf.native).pick(rng), True, QUOTES_CYR.pick(rng)
        )
    core = f"{lat} {word[0]}".replace("ʻ", _UZ_APOS.pick(rng))
    if rng.random() < 0.7:
        return join_lf(core, lf.native.pick(rng), rng.random() < 0.5, QUOTES_LAT.pick(rng))
    return join_lf(core, *_english_placed(lf, rng), QUOTES_LAT.pick(rng))


def pick_standard(e: Entity, rng: Random) -> str:
    """Romanization standard of one document: often the entity's habitual one, else any."""
    return STD_PICK.pick(rng) if rng.random() < 0.55 else STD_PICK.items[e.idx * 2654435761 % 8]


def render_name(e: Entity, native: bool, rng: Random, std: str | None = None) -> str:
    """One rendering of entity ``e``'s name (before typo/case noise)."""
    c = _COUNTRIES[e.country]
    lf = c.legal_forms[e.lf]
    n = e.name
    tag = n[0]
    if std is None:
        std = pick_standard(e, rng)
    if tag == "cyr":
        return _cyr_forms(c, lf, n[1] + n[2], "", native, rng, std)
    if tag == "brand":
        words = [_BRANDS[i] for i in n[1]]
        cyr = " ".join(w[1] for w in words)
        en = " ".join(w[0] for w in words)
        return _cyr_forms(c, lf, cyr, en, native, rng, std)
    if tag == "person":
        return _person(lf, n[1], n[2], n[3], native, rng, std)
    if tag in ("cn", "tw", "hk"):
        city = c.cities[e.city]
        return _zh(n, c, city.native, city.en, lf, native, rng)
    if tag in ("lat", "rs"):
        return _lat(c, lf, n[1], n[2], native, rng, std)
    if tag == "ae":
        return _ae(lf, n[1], n[2], native, rng)
    if tag == "am":
        return _am(lf, n[1], n[2], native, rng)
    if tag == "uz":
        return _uz(lf, n[1], n[2], native, rng)
    raise ValueError(f"unknown name tag {tag!r}")


def canonical_name(e: Entity) -> tuple[str, str]:
    """The entity's registered name in its own script and its registered Latin/English name."""
    c = countries()[e.country]
    lf = c.legal_forms[e.lf]
    n = e.name
    tag = n[0]
    short = lf.native_short
    eng = lf.english.items[0] if lf.english else short
    if tag in ("cyr", "brand", "person"):
        if tag == "cyr":
            cyr, en = n[1] + n[2], ""
        elif tag == "brand":
            cyr = " ".join(_BRANDS[i][1] for i in n[1])
            en = " ".join(_BRANDS[i][0] for i in n[1])
        else:
            cyr, en = f"{n[1]} {n[2]} {n[3]}", ""
        native = f"{short} {cyr}" if tag == "person" else f"{short} «{cyr}»"
        latin = f"{en or romanize(cyr, 'bgn')} {eng}"
        return native, latin
    if tag in ("cn", "tw", "hk"):
        words = cn_words()
        ind = words["industry"][n[2]]
        trade = words["trade"][n[1]] if n[1] >= 0 else None
        city = c.cities[e.city]
        if tag == "cn":
            native = (city.native + "市" if n[3] else "") + trade.simp + ind.simp + short
            latin = f"{city.en + ' ' if n[3] else ''}{syllables(trade.pinyin, 'joined')} {ind.english} {eng}"
        elif tag == "tw":
            native = trade.trad + ind.trad + short
            latin = f"{syllables(trade.wg, 'spaced')} {ind.english} {eng}"
        else:
            native = trade.trad + ind.trad + short if trade else ""
            stem = n[3] or syllables(trade.canto, "spaced")
            latin = f"{stem} {ind.english} {eng}"
        return native, latin
    if tag in ("lat", "rs"):
        core = f"{n[1]} {n[2]}" if n[2] else n[1]
        if c.style in ("cyr", "am", "uz"):
            return f"{(lf.cyr or lf.native).items[0]} «{core}»", f"{core} {eng}"
        if c.style in ("zh", "ae"):
            return f"{core} {eng}", f"{core} {eng}"
        return f"{core} {short}", f"{fold_ascii(core)} {short}"
    if tag == "ae":
        lw = latin_words()["AE"]
        canon, _, arabic = lw["names"][n[1]]
        ind = lw["industry"][n[2]]
        return f"{canon} {ind[0]} {eng}", f"{canon} {ind[0]} {eng}"
    if tag == "am":
        lw = latin_words()["AM"]
        lat, _, cyr, arm = lw["stems"][n[1]]
        w = lw["words"][n[2]] if n[2] >= 0 else None
        return f"«{arm}{' ' + w[2] if w else ''}» {short}", f"{lat}{' ' + w[0] if w else ''} {eng}"
    if tag == "uz":
        lw = latin_words()["UZ"]
        lat, cyr = lw["stems"][n[1]]
        w = lw["words"][n[2]]
        return f"«{lat} {w[0]}» {short}", f"{lat.replace('ʻ', chr(39))} {w[0]} {eng}"
    raise ValueError(f"unknown name tag {tag!r}")
