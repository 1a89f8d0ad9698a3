"""Chinese enterprise identifiers.

统一社会信用代码 (USCC), GB 32100-2015: 18 characters from a 31-character alphabet (no I, O, Z,
S, V). Position 1 is the registration authority, 2 the organisation type, 3-8 the administrative
division (GB/T 2260), 9-17 the organisation code (GB 11714) and 18 a check character computed
modulo 31 with the weights 3^(i-1) mod 31.

Industry codes follow GB/T 4754-2017: a section letter A-T, then a 2-digit division, optionally a
3-digit group and a 4-digit class ("C", "C33", "C331", "C3311"). A bare digit code ("3311") is
accepted and normalised with its section letter.
"""

from __future__ import annotations

import re

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"
_USCC_RE = re.compile(USCC_PATTERN)


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why `code` is not a valid USCC, or None when it is."""
    if len(code) != 18:
        return f"must be 18 characters, got {len(code)}"
    if not _USCC_RE.match(code):
        bad = sorted({c for c in code if c not in USCC_ALPHABET})
        if bad:
            return f"contains characters outside GB 32100 alphabet: {''.join(bad)}"
        return "characters 3-8 must be a 6-digit administrative division code"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]}, GB 32100-2015 gives {expected}"
    return None


def is_valid_uscc(code: str) -> bool:
    return uscc_problem(code) is None


# GB/T 4754-2017 sections and the divisions (大类) each spans.
INDUSTRY_SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50),
    "F": (51, 52), "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69),
    "K": (70, 70), "L": (71, 72), "M": (73, 75), "N": (76, 79), "O": (80, 82),
    "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 97), "T": (98, 98),
}  # fmt: skip
# The manufacturing divisions (制造业大类) by name, for the rows a park reads.
MANUFACTURING_DIVISIONS: dict[str, str] = {
    "C13": "农副食品加工业", "C14": "食品制造业", "C15": "酒、饮料和精制茶制造业", "C16": "烟草制品业",
    "C17": "纺织业", "C18": "纺织服装、服饰业", "C19": "皮革、毛皮、羽毛及其制品和制鞋业",
    "C20": "木材加工和木、竹、藤、棕、草制品业", "C21": "家具制造业", "C22": "造纸和纸制品业",
    "C23": "印刷和记录媒介复制业", "C24": "文教、工美、体育和娱乐用品制造业",
    "C25": "石油、煤炭及其他燃料加工业", "C26": "化学原料和化学制品制造业", "C27": "医药制造业",
    "C28": "化学纤维制造业", "C29": "橡胶和塑料制品业", "C30": "非金属矿物制品业",
    "C31": "黑色金属冶炼和压延加工业", "C32": "有色金属冶炼和压延加工业", "C33": "金属制品业",
    "C34": "通用设备制造业", "C35": "专用设备制造业", "C36": "汽车制造业",
    "C37": "铁路、船舶、航空航天和其他运输设备制造业", "C38": "电气机械和器材制造业",
    "C39": "计算机、通信和其他电子设备制造业", "C40": "仪器仪表制造业", "C41": "其他制造业",
    "C42": "废弃资源综合利用业", "C43": "金属制品、机械和设备修理业",
}  # fmt: skip
_INDUSTRY_RE = re.compile(r"^([A-T])?(\d{2}(\d{1,2})?)?$")


def normalise_industry_code(code: str) -> str:
    """Return the code with its section letter, or raise ValueError saying what is wrong."""
    m = _INDUSTRY_RE.match(code.strip().upper())
    if not m or not (m.group(1) or m.group(2)):
        raise ValueError("GB/T 4754 code must look like C, C33, C331 or C3311")
    letter, digits = m.group(1), m.group(2)
    if digits is None:
        return letter
    division = int(digits[:2])
    owner = next((s for s, (lo, hi) in INDUSTRY_SECTIONS.items() if lo <= division <= hi), None)
    if owner is None:
        raise ValueError(f"GB/T 4754 has no division {digits[:2]}")
    if letter and letter != owner:
        raise ValueError(f"division {digits[:2]} belongs to section {owner}, not {letter}")
    return owner + digits


def complete_uscc(first17: str) -> str:
    """A full USCC from its first 17 characters (for generated and test data)."""
    return first17 + uscc_check_char(first17)


# --- industrial-internet identifiers (标识解析), Handle style -------------------------------------
# prefix/suffix: the prefix is "88" (the national root), the enterprise's GB/T 4754 class digits
# and its USCC; the suffix names the object: "org", or "<type>/<code>" for what it owns.
HANDLE_ROOT = "88"
HANDLE_TYPES = ("org", "device", "item", "lot", "shipment", "warehouse")


def handle(uscc: str, industry_code: str | None, kind: str, code: str | None = None,
           root: str = HANDLE_ROOT) -> str:  # fmt: skip
    """The identifier of an enterprise (kind "org") or of one of its objects."""
    if kind not in HANDLE_TYPES:
        raise ValueError(f"no identifier type {kind}; use {', '.join(HANDLE_TYPES)}")
    industry = (industry_code or "")[1:] or "0"
    prefix = f"{root}.{industry}.{uscc}"
    if kind == "org":
        return f"{prefix}/org"
    if not code:
        raise ValueError(f"a {kind} identifier needs the {kind}'s code")
    return f"{prefix}/{kind}/{code}"


def parse_handle(text: str) -> tuple[str, str, str | None]:
    """(USCC, type, code) of an identifier, or ValueError saying what is wrong."""
    prefix, sep, suffix = text.strip().partition("/")
    parts = prefix.split(".")
    if not sep or len(parts) < 3 or not parts[0].isdigit():
        raise ValueError("an identifier looks like 88.3392.<USCC>/device/CNC-01")
    uscc = parts[-1]
    problem = uscc_problem(uscc)
    if problem:
        raise ValueError(f"the enterprise part is not a valid USCC: {problem}")
    kind, _, code = suffix.partition("/")
    if kind not in HANDLE_TYPES:
        raise ValueError(f"no identifier type {kind!r}; use {', '.join(HANDLE_TYPES)}")
    if kind != "org" and not code:
        raise ValueError(f"a {kind} identifier ends with the {kind}'s code")
    return uscc, kind, code or None


def gtin_problem(gtin: str) -> str | None:
    """Why `gtin` is not a GS1 GTIN-8/12/13/14 (mod-10 check digit), or None."""
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return "a GTIN has 8, 12, 13 or 14 digits"
    body, check = gtin[:-1], int(gtin[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    if (10 - total % 10) % 10 != check:
        return f"check digit is {check}, GS1 gives {(10 - total % 10) % 10}"
    return None


def gtin14(gtin: str) -> str:
    return gtin.zfill(14)


def with_check_digit(body: str) -> str:
    """A GTIN from its digits without the check digit (GS1 mod-10)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)
