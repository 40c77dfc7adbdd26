"""Company registration and tax numbers in each country's format, with real check digits."""

from __future__ import annotations

from operator import mul
from random import Random

from resolver.synth.vocab import ch, ri

_DIGITS = "0123456789"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_CHARS)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_ORG = _USCC_CHARS[:10] * 3 + _USCC_CHARS[10:]
_ALNUM36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ALNUM36_VALUE = {c: i for i, c in enumerate(_ALNUM36)}
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_EIN_PREFIXES = (
    "20",
    "26",
    "27",
    "30",
    "32",
    "35",
    "36",
    "45",
    "46",
    "47",
    "81",
    "82",
    "83",
    "84",
    "85",
    "86",
    "87",
    "88",
    "92",
    "93",
)


def _digits(rng: Random, n: int) -> str:
    """``n`` random decimal digits."""
    return str(int(rng.random() * 10**n)).zfill(n)


def _weighted_sum(digits: str, weights: tuple[int, ...]) -> int:
    return sum(map(mul, map(int, digits), weights))


def ru_inn(rng: Random, region: str) -> str:
    """Russian INN of a legal entity: region, tax office, serial, weighted check digit."""
    body = region + f"{ri(rng, 1, 51):02d}" + _digits(rng, 5)
    return body + str(_weighted_sum(body, (2, 4, 10, 3, 5, 9, 4, 6, 8)) % 11 % 10)


def ru_inn12(rng: Random, region: str) -> str:
    """Russian INN of an individual entrepreneur: 12 digits with two check digits."""
    body = region + f"{ri(rng, 1, 51):02d}" + _digits(rng, 6)
    for weights in ((7, 2, 4, 10, 3, 5, 9, 4, 6, 8), (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)):
        body += str(_weighted_sum(body, weights) % 11 % 10)
    return body


def ru_kpp(inn: str) -> str:
    """Russian KPP (tax registration reason code) matching an INN's tax office."""
    return inn[:4] + "01001"


def kz_bin(rng: Random) -> str:
    """Kazakh BIN: registration YYMM, entity type 4 (resident legal entity), serial, check."""
    while True:
        body = f"{ri(rng, 5, 23):02d}{ri(rng, 1, 12):02d}4{ch(rng, '0124')}" + _digits(rng, 5)
        s = _weighted_sum(body, (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)) % 11
        if s == 10:
            s = _weighted_sum(body, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)) % 11
        if s != 10:
            return body + str(s)


def kg_inn(rng: Random) -> str:
    """Kyrgyz INN of a legal entity: 0, registration date DDMMYYYY, 5 digits."""
    return f"0{ri(rng, 1, 28):02d}{ri(rng, 1, 12):02d}{ri(rng, 1995, 2023)}" + _digits(rng, 5)


def uz_stir(rng: Random) -> str:
    """Uzbek STIR (INN) of a legal entity: 9 digits starting with 2 or 3."""
    return ch(rng, "23") + _digits(rng, 8)


def am_tin(rng: Random) -> str:
    """Armenian taxpayer number (TIN/ՀՎՀՀ): 8 digits."""
    return ch(rng, ("00", "01", "02", "03")) + _digits(rng, 6)


def _mod11_10(body: str) -> str:
    """ISO 7064 MOD 11,10 check digit (German VAT id, Serbian PIB)."""
    product = 10
    for c in body:
        total = (int(c) + product) % 10 or 10
        product = (2 * total) % 11
    return str((11 - product) % 10)


def de_vat(rng: Random) -> str:
    """German USt-IdNr.: DE + 8 digits + MOD 11,10 check digit."""
    body = str(ri(rng, 1, 9)) + _digits(rng, 7)
    return "DE" + body + _mod11_10(body)


def de_hrb(rng: Random) -> str:
    """German commercial register number (HRB)."""
    return f"HRB {ri(rng, 1000, 799999)}"


def rs_pib(rng: Random) -> str:
    """Serbian PIB: 9 digits with MOD 11,10 check digit."""
    body = "1" + _digits(rng, 7)
    return body + _mod11_10(body)


def tr_vkn(rng: Random) -> str:
    """Turkish VKN (tax number of a company): 9 digits plus the official check digit."""
    body = str(ri(rng, 1, 9)) + _digits(rng, 8)
    total = 0
    for i, c in enumerate(body):
        t = (int(c) + 9 - i) % 10
        v = (t * 2 ** (9 - i)) % 9
        total += 9 if t and not v else v
    return body + str((10 - total % 10) % 10)


def ae_trn(rng: Random) -> str:
    """UAE Tax Registration Number: 15 digits starting 100."""
    return "100" + _digits(rng, 7) + "00003"


def cn_uscc(rng: Random, admin: str) -> str:
    """Chinese Unified Social Credit Code (18 chars) with the GB 32100 check character."""
    if rng.random() < 0.6:
        org = "MA" + "".join([ch(rng, _USCC_ORG) for _ in range(7)])
    else:
        org = _digits(rng, 9)
    body = "91" + admin + org
    total = sum(map(mul, map(_USCC_VALUE.__getitem__, body), _USCC_WEIGHTS))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


def tw_ubn(rng: Random) -> str:
    """Taiwanese Unified Business Number (統一編號): weighted digit sum divisible by 10."""
    head = str(ri(rng, 1, 9)) + _digits(rng, 6)
    total = 0
    for c, w in zip(head, (1, 2, 1, 2, 1, 2, 4), strict=True):
        p = int(c) * w
        total += p // 10 + p % 10
    return head + str(-total % 10)


def hk_br(rng: Random) -> str:
    """Hong Kong Business Registration number: 8 digits."""
    return str(ri(rng, 1, 7)) + _digits(rng, 7)


def in_gstin(rng: Random, state: str) -> str:
    """Indian GSTIN: state code, company PAN (4th letter C), 1Z, mod-36 check character."""
    pan = "".join([ch(rng, _LETTERS) for _ in range(3)]) + "C" + ch(rng, _LETTERS)
    pan += _digits(rng, 4) + ch(rng, _LETTERS)
    body = state + pan + "1Z"
    total = 0
    for i, c in enumerate(body):
        p = _ALNUM36_VALUE[c] * (2 if i % 2 else 1)
        total += p // 36 + p % 36
    return body + _ALNUM36[(36 - total % 36) % 36]


def us_ein(rng: Random) -> str:
    """US Employer Identification Number NN-NNNNNNN."""
    return ch(rng, _EIN_PREFIXES) + "-" + _digits(rng, 7)


def it_piva(rng: Random) -> str:
    """Italian Partita IVA: 10 digits and a Luhn check digit (shown with IT prefix)."""
    body = _digits(rng, 7) + f"{ri(rng, 1, 100):03d}"
    total = 0
    for i, c in enumerate(body):
        d = int(c)
        if i % 2:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return "IT" + body + str((10 - total % 10) % 10)
