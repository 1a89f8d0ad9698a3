"""Simulated machines and meters behind real protocol servers (pymodbus, asyncua).

Each machine runs and idles in blocks, counts its output, draws power and integrates energy;
the values sit where a real PLC or power meter would put them:

Modbus TCP, one device id per machine (holding registers, big-endian words):

    0-1  counter        uint32   pieces, cumulative
    2    run_state      uint16   0 stopped, 1 running, 2 idle, 3 fault
    4-5  power          float32  kW
    6-7  energy         uint32   Wh, cumulative (the gateway scales it to kWh)
    8    temperature    int16    0.1 °C

OPC UA, one object per machine under Objects, variables with string node ids
`ns=2;s={device}.{counter|run_state|power_kw|energy_kwh|temperature_c}`.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

RUN_STATES = {0: "stopped", 1: "running", 2: "idle", 3: "fault"}
MODBUS_POINTS = (
    # metric, register, type, scale, unit
    ("counter", 0, "uint32", 1.0, "pcs"),
    ("run_state", 2, "uint16", 1.0, None),
    ("power_kw", 4, "float32", 1.0, "kW"),
    ("energy_kwh", 6, "uint32", 1.0, "Wh"),
    ("temperature_c", 8, "int16", 0.1, "°C"),
)
OPCUA_METRICS = ("counter", "run_state", "power_kw", "energy_kwh", "temperature_c")
OPCUA_NAMESPACE = "urn:chanrong:simulated-devices"


@dataclass
class Machine:
    """One simulated machine: state advances with `step(seconds)`."""

    code: str
    rate_per_hour: float = 600.0
    kw: float = 22.0
    seed: int = 0
    counter: int = 0
    energy_kwh: float = 0.0
    running: bool = True
    fault: bool = False
    power_kw: float = 0.0
    temperature_c: float = 28.0
    rng: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng([self.seed, sum(map(ord, self.code))])

    @property
    def run_state(self) -> int:
        return 3 if self.fault else (1 if self.running else 2)

    def step(self, seconds: float) -> None:
        # run blocks of ~20 minutes, idle blocks of ~5 (geometric durations)
        if self.rng.random() < seconds / (1200 if self.running else 300):
            self.running = not self.running
        if self.running and not self.fault:
            self.counter += int(self.rng.poisson(self.rate_per_hour * seconds / 3600))
            self.power_kw = self.kw * float(self.rng.uniform(0.65, 0.95))
            self.temperature_c = min(65.0, self.temperature_c + 0.05 * seconds)
        else:
            self.power_kw = self.kw * (0.05 if self.fault else 0.2)
            self.temperature_c = max(28.0, self.temperature_c - 0.02 * seconds)
        self.energy_kwh += self.power_kw * seconds / 3600

    def values(self) -> dict[str, Any]:
        return {
            "counter": self.counter, "run_state": self.run_state, "power_kw": self.power_kw,
            "energy_kwh": self.energy_kwh, "temperature_c": self.temperature_c,
        }  # fmt: skip


def modbus_registers(m: Machine) -> list[int]:
    from pymodbus.client.mixin import ModbusClientMixin as C

    regs = [0] * 10
    regs[0:2] = C.convert_to_registers(m.counter % 2**32, C.DATATYPE.UINT32)
    regs[2] = m.run_state
    regs[4:6] = C.convert_to_registers(float(m.power_kw), C.DATATYPE.FLOAT32)
    regs[6:8] = C.convert_to_registers(int(m.energy_kwh * 1000) % 2**32, C.DATATYPE.UINT32)
    regs[8] = C.convert_to_registers(round(m.temperature_c * 10), C.DATATYPE.INT16)[0]
    return regs


async def serve_modbus(
    machines: list[Machine],
    host: str,
    port: int,
    stop: asyncio.Event,
    tick: float = 1.0,
    exception_rate: float = 0.0,
) -> None:
    """A Modbus TCP server: device id i+1 is machines[i]. A read sees the machine's latest
    values; with `exception_rate`, some reads answer with a Modbus exception (device busy)."""
    from pymodbus.constants import ExcCodes
    from pymodbus.server import ModbusTcpServer
    from pymodbus.simulator import DataType, SimData, SimDevice

    rng = np.random.default_rng(port)

    def action(m: Machine) -> Any:
        async def on_access(_fc: int, start: int, _a: int, _n: int, regs: list[int],
                            _set: Any) -> ExcCodes | None:  # fmt: skip
            if exception_rate and rng.random() < exception_rate:
                return ExcCodes.DEVICE_BUSY
            for i, value in enumerate(modbus_registers(m)):
                if 0 <= i - start < len(regs):
                    regs[i - start] = value
            return None

        return on_access

    devices = [
        SimDevice(i + 1, simdata=[SimData(0, values=[0] * 10, datatype=DataType.REGISTERS)],
                  action=action(m))
        for i, m in enumerate(machines)
    ]  # fmt: skip
    server = ModbusTcpServer(devices, address=(host, port))
    task = asyncio.create_task(server.serve_forever())
    try:
        while not stop.is_set():
            for m in machines:
                m.step(tick)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), tick)
    finally:
        await server.shutdown()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def serve_opcua(
    machines: list[Machine], host: str, port: int, stop: asyncio.Event, tick: float = 1.0
) -> None:
    """An OPC UA server with one object per machine."""
    from asyncua import Server, ua

    server = Server()
    await server.init()
    server.set_endpoint(f"opc.tcp://{host}:{port}/chanrong/")
    server.set_server_name("chanrong simulated machines")
    ns = await server.register_namespace(OPCUA_NAMESPACE)
    types = {"counter": ua.VariantType.UInt32, "run_state": ua.VariantType.UInt16}
    nodes: list[dict[str, Any]] = []
    objects = server.get_objects_node()
    for m in machines:
        obj = await objects.add_object(f"ns={ns};s={m.code}", m.code)
        vars_ = {}
        for metric in OPCUA_METRICS:
            variant = types.get(metric, ua.VariantType.Double)
            vars_[metric] = await obj.add_variable(
                f"ns={ns};s={m.code}.{metric}", metric, ua.Variant(0, variant)
            )
        nodes.append(vars_)
    async with server:
        while not stop.is_set():
            for m, vars_ in zip(machines, nodes, strict=True):
                m.step(tick)
                for metric, value in m.values().items():
                    variant = types.get(metric, ua.VariantType.Double)
                    v = int(value) if variant != ua.VariantType.Double else float(value)
                    await vars_[metric].write_value(ua.Variant(v, variant))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), tick)


def mapping_toml(
    machines: list[Machine],
    protocol: str,
    host: str,
    port: int,
    *,
    org: str,
    publish: str,
    api_key: str | None = None,
    source: str = "GW-SIM",
    interval_s: float = 60.0,
    buffer: str = "data/gateway-buffer",
    signing_key: str | None = None,
    signing_key_id: str | None = None,
) -> str:
    """A gateway mapping file for these machines (see docs/gateway.md)."""
    out = [
        "[gateway]", f'org = "{org}"', f'source = "{source}"', f"interval_s = {interval_s}",
        f'buffer = "{buffer}"', "", "[publish]", f'url = "{publish}"',
    ]  # fmt: skip
    if api_key:
        out.append(f'api_key = "{api_key}"')
    if signing_key and signing_key_id:
        out += [f'signing_key = "{signing_key}"', f'signing_key_id = "{signing_key_id}"']
    for i, m in enumerate(machines):
        out += ["", "[[device]]", f'code = "{m.code}"', f'protocol = "{protocol}"']
        if protocol == "modbus":
            out += [f'host = "{host}"', f"port = {port}", f"device_id = {i + 1}"]
            for metric, register, type_, scale, unit in MODBUS_POINTS:
                out += ["[[device.point]]", f'metric = "{metric}"', f"register = {register}",
                        f'type = "{type_}"', f"scale = {scale}"]  # fmt: skip
                if unit:
                    out.append(f'unit = "{unit}"')
                if metric == "run_state":
                    out.append('states = { "0" = "stopped", "1" = "running", "2" = "idle", '
                               '"3" = "fault" }')  # fmt: skip
        else:
            out += [f'endpoint = "opc.tcp://{host}:{port}/chanrong/"']
            for metric in OPCUA_METRICS:
                out += ["[[device.point]]", f'metric = "{metric}"',
                        f'node = "ns=2;s={m.code}.{metric}"']  # fmt: skip
                if metric == "run_state":
                    out.append('states = { "0" = "stopped", "1" = "running", "2" = "idle", '
                               '"3" = "fault" }')  # fmt: skip
    return "\n".join(out) + "\n"
