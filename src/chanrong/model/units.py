"""The unit catalog: every quantity the platform stores carries one of these codes."""

from __future__ import annotations

from enum import StrEnum


class Unit(StrEnum):
    # count
    PCS = "pcs"
    SET = "set"
    BOX = "box"
    PAIR = "pair"
    # mass
    KG = "kg"
    T = "t"
    # length, area, volume
    M = "m"
    M2 = "m2"
    M3 = "m3"
    L = "L"
    # energy and heat
    KWH = "kWh"
    MWH = "MWh"
    GJ = "GJ"
    TCE = "tce"


# What each unit measures, for checks such as "an electricity reading must be in kWh or MWh".
UNIT_DIMENSION: dict[Unit, str] = {
    Unit.PCS: "count", Unit.SET: "count", Unit.BOX: "count", Unit.PAIR: "count",
    Unit.KG: "mass", Unit.T: "mass",
    Unit.M: "length", Unit.M2: "area", Unit.M3: "volume", Unit.L: "volume",
    Unit.KWH: "energy", Unit.MWH: "energy", Unit.GJ: "energy", Unit.TCE: "energy",
}  # fmt: skip
