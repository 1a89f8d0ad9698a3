"""Park presets modelled on the guide's cases (DOMAIN.md, "Cases").

A preset says which trades a park holds, what their machines, products and materials are, who
buys from them and who lends to them. Figures are plausible orders of magnitude for Chinese SMEs
of each trade (rates per machine-hour, power ratings, prices in 元), not data of real firms.
"""

from __future__ import annotations

from dataclasses import dataclass

from chanrong.model.units import Unit


@dataclass(frozen=True)
class MachineKind:
    code: str
    name: str
    rate_per_hour: float  # output at rated speed, in the product's unit
    kw: float


@dataclass(frozen=True)
class Material:
    code: str
    name: str
    unit: Unit
    item_class: str  # the price-index class
    price: float  # 元 per unit
    per_output: float  # material consumed per unit of output


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    unit: Unit
    price: float  # 元 per unit, tax included
    item_class: str


@dataclass(frozen=True)
class Trade:
    industry_code: str  # GB/T 4754-2017
    label: str  # the trade word in a firm's name
    machines: tuple[MachineKind, ...]
    products: tuple[Product, ...]
    material: Material
    shift: str  # calendar.SHIFTS key for standardized firms; entry firms work days only
    gas_m3_per_output: float = 0.0  # natural gas for furnaces and dryers
    weight: float = 1.0


@dataclass(frozen=True)
class Preset:
    key: str
    name_zh: str
    name_en: str
    park_name: str
    region_code: str  # GB/T 2260, also characters 3-8 of the firms' USCCs
    town: str
    firms: int
    trades: tuple[Trade, ...]
    buyers: tuple[tuple[str, str], ...]  # (name, industry code)
    banks: tuple[str, ...]
    level_mix: tuple[float, float, float]  # entry, standardized, optimized


ALU = Material("M-AL", "ADC12 铝合金锭", Unit.T, "alu_adc12", 19_800.0, 0.0009)
STEEL = Material("M-ST", "冷轧钢板", Unit.T, "steel_crc", 4_300.0, 0.0012)
MOULD_STEEL = Material("M-MS", "H13 模具钢", Unit.T, "steel_h13", 23_000.0, 0.35)
FABRIC = Material("M-FB", "精梳棉针织面料", Unit.M, "cotton_knit", 18.0, 1.4)
PAPER = Material("M-PP", "瓦楞原纸", Unit.T, "paper_corrugating", 3_100.0, 0.00045)

DIE_CASTING = Trade(
    "C3392", "压铸",
    (MachineKind("DC", "压铸机", 60.0, 45.0), MachineKind("CNC", "加工中心", 24.0, 18.0)),
    (Product("P-HSG", "变速箱壳体", Unit.PCS, 186.0, "auto_part_alu"),
     Product("P-BKT", "发动机支架", Unit.PCS, 42.0, "auto_part_alu")),
    ALU, "three", gas_m3_per_output=0.35, weight=3.0,
)  # fmt: skip
MOULDS = Trade(
    "C3525", "模具",
    (MachineKind("CNC", "五轴加工中心", 0.25, 22.0), MachineKind("EDM", "电火花成型机", 0.2, 15.0)),
    (Product("P-MLD", "压铸模具", Unit.SET, 68_000.0, "mould_die_cast"),),
    MOULD_STEEL, "two", weight=2.0,
)  # fmt: skip
AUTO_PARTS = Trade(
    "C3670", "汽配",
    (MachineKind("LT", "数控车床", 40.0, 11.0), MachineKind("PR", "冲压机", 300.0, 30.0)),
    (Product("P-FLG", "法兰盘", Unit.PCS, 12.5, "auto_part_steel"),
     Product("P-SHF", "传动轴套", Unit.PCS, 28.0, "auto_part_steel")),
    STEEL, "two", weight=2.0,
)  # fmt: skip
GARMENT = Trade(
    "C1829", "童装",
    (MachineKind("SEW", "电脑平缝机组", 35.0, 4.0), MachineKind("CUT", "自动裁床", 400.0, 15.0)),
    (Product("P-TEE", "儿童针织T恤", Unit.PCS, 26.0, "kids_knitwear"),
     Product("P-SET", "儿童家居服套装", Unit.SET, 58.0, "kids_knitwear")),
    FABRIC, "day", weight=1.0,
)  # fmt: skip
PACKAGING = Trade(
    "C2231", "包装",
    (MachineKind("FLX", "柔印开槽机", 3_000.0, 45.0), MachineKind("LAM", "瓦楞纸板生产线", 2_500.0, 90.0)),
    (Product("P-BOX", "五层瓦楞纸箱", Unit.PCS, 3.2, "carton_5ply"),),
    PAPER, "two", gas_m3_per_output=0.004, weight=1.0,
)  # fmt: skip
SHEET_METAL = Trade(
    "C3311", "钣金",
    (MachineKind("LSR", "光纤激光切割机", 120.0, 30.0), MachineKind("BND", "数控折弯机", 200.0, 11.0)),
    (Product("P-CAB", "钣金机柜", Unit.PCS, 860.0, "sheet_cabinet"),
     Product("P-PNL", "钣金面板", Unit.PCS, 45.0, "sheet_panel")),
    STEEL, "two", weight=1.0,
)  # fmt: skip

PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset(
            "diecasting", "压铸汽配模具产业园", "Die-casting and auto-parts mould park",
            "大碶压铸汽配产业园", "330206", "北仑", 78, (DIE_CASTING, MOULDS, AUTO_PARTS),
            (("宁波星驰汽车零部件有限公司", "C3670"), ("浙江吉泰汽车制造有限公司", "C3612"),
             ("宁波申洲动力总成有限公司", "C3670"), ("宁波拓远电器集团有限公司", "C3851")),
            ("宁波北仑农村商业银行", "中国工商银行宁波北仑支行", "宁波银行大碶支行"),
            (0.4, 0.42, 0.18),
        ),
        Preset(
            "garment", "童装产业集群", "Children's garment cluster",
            "安阳童装产业园", "410522", "安阳", 60, (GARMENT,),
            (("郑州童趣服饰电子商务有限公司", "F5232"), ("河南悦童品牌管理有限公司", "F5132")),
            ("安阳农村商业银行", "中国建设银行安阳分行"),
            (0.6, 0.32, 0.08),
        ),
        Preset(
            "packaging", "包装与钣金综合园", "Packaging and sheet-metal park",
            "六安宏阳产业园", "341502", "六安", 40, (PACKAGING, SHEET_METAL),
            (("安徽江淮家电有限公司", "C3851"), ("合肥远景电气设备有限公司", "C3823"),
             ("安徽优鲜食品股份有限公司", "C1391")),
            ("徽商银行六安分行", "六安农村商业银行"),
            (0.45, 0.4, 0.15),
        ),
    )
}  # fmt: skip
DEFAULT_PRESET = "diecasting"
