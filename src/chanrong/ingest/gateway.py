"""The edge gateway: poll Modbus TCP and OPC UA devices, buffer on disk, publish telemetry.

A mapping file (TOML, docs/gateway.md) names the enterprise, where to publish (MQTT or HTTP)
and, per device, which register or node holds which metric, with its type, scale and unit.

Reliability, as factories need it:
- every reading is written to an on-disk spool before anything else; a batch leaves the spool
  only when the broker (PUBACK) or the platform (HTTP 200) has taken it, so a broker or network
  outage loses nothing, and a restart of the gateway resumes from the spool;
- record ids are the device and the reading time, so a batch sent twice is stored once;
- a device that drops is reconnected with back-off, and polling resumes however long it was
  away; polls of many devices are staggered across the interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from chanrong.access.signatures import KEY_HEADER, SIGNATURE_HEADER, load_private_key, sign
from chanrong.ingest.mqtt import BrokerUrl, client, record_topic
from chanrong.model.events import RunState

log = logging.getLogger("chanrong.gateway")

METRICS = {  # telemetry field -> its unit on the platform
    "counter": "pcs", "run_state": None, "power_kw": "kW", "energy_kwh": "kWh",
    "temperature_c": "°C", "pressure_mpa": "MPa",
}  # fmt: skip
# Units a mapping may declare, as (platform unit, factor to it).
UNIT_FACTORS = {
    "pcs": ("pcs", 1.0), "W": ("kW", 0.001), "kW": ("kW", 1.0), "MW": ("kW", 1000.0),
    "Wh": ("kWh", 0.001), "kWh": ("kWh", 1.0), "MWh": ("kWh", 1000.0), "°C": ("°C", 1.0),
    "C": ("°C", 1.0), "kPa": ("MPa", 0.001), "MPa": ("MPa", 1.0), "bar": ("MPa", 0.1),
}  # fmt: skip
RUN_STATES = frozenset(r.value for r in RunState)
REGISTER_WORDS = {"uint16": 1, "int16": 1, "uint32": 2, "int32": 2, "float32": 2}


class MappingError(ValueError):
    pass


@dataclass(frozen=True)
class Point:
    metric: str
    register: int | None = None
    type: str = "uint16"
    node: str | None = None
    scale: float = 1.0
    states: dict[int, str] = field(default_factory=dict)

    def value(self, raw: float | int) -> float | int | str | None:
        if self.metric == "run_state":
            label = self.states.get(int(raw)) if self.states else str(raw)
            return label if label in RUN_STATES else None
        scaled = raw * self.scale
        return round(scaled) if self.metric == "counter" else round(float(scaled), 6)


@dataclass(frozen=True)
class DeviceMap:
    code: str
    protocol: str
    points: tuple[Point, ...]
    host: str = "127.0.0.1"
    port: int = 502
    device_id: int = 1
    endpoint: str | None = None


@dataclass(frozen=True)
class GatewayConfig:
    org: str
    source: str
    interval_s: float
    buffer: Path
    publish_url: str
    devices: tuple[DeviceMap, ...]
    api_key: str | None = None
    batch_max: int = 5000
    signing_key: Path | None = None  # Ed25519 private key (PEM) to sign each HTTP batch
    signing_key_id: str | None = None  # its id on the platform


def load_mapping(path: str | Path) -> GatewayConfig:
    """Read and check a mapping file; errors name the device and the field."""
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"{path}: {exc}") from exc
    gw, pub = doc.get("gateway", {}), doc.get("publish", {})
    for key in ("org", "source"):
        if not gw.get(key):
            raise MappingError(f"[gateway] {key} is required")
    if not pub.get("url"):
        raise MappingError("[publish] url is required (mqtt://... or http://...)")
    if pub["url"].startswith("http") and not pub.get("api_key"):
        raise MappingError("[publish] api_key is required for an HTTP url")
    if bool(pub.get("signing_key")) != bool(pub.get("signing_key_id")):
        raise MappingError("[publish] signing_key and signing_key_id go together")
    if pub.get("signing_key") and not pub["url"].startswith("http"):
        raise MappingError("[publish] signed batches are sent over HTTP; MQTT carries no signature")
    devices = []
    for i, d in enumerate(doc.get("device", [])):
        where = f"device #{i + 1} ({d.get('code', '?')})"
        if d.get("protocol") not in ("modbus", "opcua"):
            raise MappingError(f"{where}: protocol must be modbus or opcua")
        if not d.get("code"):
            raise MappingError(f"{where}: code is required (the device code on the platform)")
        if d["protocol"] == "opcua" and not d.get("endpoint"):
            raise MappingError(f"{where}: endpoint is required for opcua")
        points = [_point(where, j, p, d["protocol"]) for j, p in enumerate(d.get("point", []))]
        if not points:
            raise MappingError(f"{where}: no [[device.point]]")
        devices.append(
            DeviceMap(code=d["code"], protocol=d["protocol"], points=tuple(points),
                      host=d.get("host", "127.0.0.1"), port=int(d.get("port", 502)),
                      device_id=int(d.get("device_id", 1)), endpoint=d.get("endpoint"))
        )  # fmt: skip
    if not devices:
        raise MappingError("no [[device]] in the mapping")
    return GatewayConfig(
        org=gw["org"], source=gw["source"], interval_s=float(gw.get("interval_s", 60)),
        buffer=Path(gw.get("buffer", "data/gateway-buffer")), publish_url=pub["url"],
        devices=tuple(devices), api_key=pub.get("api_key"),
        batch_max=int(gw.get("batch_max", 5000)),
        signing_key=Path(pub["signing_key"]) if pub.get("signing_key") else None,
        signing_key_id=pub.get("signing_key_id"),
    )  # fmt: skip


def _point(where: str, j: int, p: dict[str, Any], protocol: str) -> Point:
    at = f"{where} point #{j + 1}"
    metric = p.get("metric")
    if metric not in METRICS:
        raise MappingError(f"{at}: metric must be one of {', '.join(METRICS)}, got {metric!r}")
    scale = float(p.get("scale", 1.0))
    unit = p.get("unit")
    if unit is not None:
        if unit not in UNIT_FACTORS or UNIT_FACTORS[unit][0] != METRICS[metric]:
            raise MappingError(f"{at}: unit {unit!r} does not fit {metric} ({METRICS[metric]})")
        scale *= UNIT_FACTORS[unit][1]
    states = {int(k): str(v) for k, v in p.get("states", {}).items()}
    bad = [s for s in states.values() if s not in RUN_STATES]
    if bad:
        raise MappingError(f"{at}: states must be run states ({', '.join(RunState)}), got {bad}")
    if protocol == "modbus":
        if "register" not in p:
            raise MappingError(f"{at}: register is required for modbus")
        if p.get("type", "uint16") not in REGISTER_WORDS:
            raise MappingError(f"{at}: type must be one of {', '.join(REGISTER_WORDS)}")
        return Point(metric, register=int(p["register"]), type=p.get("type", "uint16"),
                     scale=scale, states=states)  # fmt: skip
    if not p.get("node"):
        raise MappingError(f"{at}: node is required for opcua, e.g. ns=2;s=CNC-01.counter")
    return Point(metric, node=p["node"], scale=scale, states=states)


# --- the spool ------------------------------------------------------------------------------------


class Spool:
    """A durable queue of readings: one file per poll, removed once published."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        existing = sorted(folder.glob("*.ndjson"))
        self.seq = int(existing[-1].stem) if existing else 0

    def put(self, records: list[dict[str, Any]]) -> None:
        self.seq += 1
        final = self.folder / f"{self.seq:012d}.ndjson"
        tmp = final.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            fh.write(b"\n".join(orjson.dumps(r) for r in records))
            fh.flush()
            os.fsync(fh.fileno())
        tmp.rename(final)

    def take(self, limit: int) -> tuple[list[Path], list[dict[str, Any]]]:
        files: list[Path] = []
        records: list[dict[str, Any]] = []
        for path in sorted(self.folder.glob("*.ndjson")):
            lines = [orjson.loads(x) for x in path.read_bytes().splitlines() if x.strip()]
            if records and len(records) + len(lines) > limit:
                break
            files.append(path)
            records.extend(lines)
        return files, records

    def done(self, files: list[Path]) -> None:
        for path in files:
            path.unlink(missing_ok=True)

    def pending(self) -> int:
        return sum(1 for _ in self.folder.glob("*.ndjson"))


# --- readers --------------------------------------------------------------------------------------


class DeviceDown(Exception):
    pass


class ModbusReader:
    def __init__(self, device: DeviceMap) -> None:
        from pymodbus.client import AsyncModbusTcpClient

        self.device = device
        self.client = AsyncModbusTcpClient(device.host, port=device.port, timeout=2, retries=1,
                                           reconnect_delay=0)  # fmt: skip
        points = [p for p in device.points if p.register is not None]
        self.start = min(p.register for p in points if p.register is not None)
        self.count = max(int(p.register or 0) + REGISTER_WORDS[p.type] for p in points) - self.start

    async def read(self) -> dict[str, Any]:
        from pymodbus.exceptions import ModbusException

        try:
            if not self.client.connected and not await self.client.connect():
                raise DeviceDown(f"cannot connect to {self.device.host}:{self.device.port}")
            r = await self.client.read_holding_registers(
                self.start, count=self.count, device_id=self.device.device_id
            )
        except (ModbusException, OSError, TimeoutError) as exc:
            self.close()
            raise DeviceDown(str(exc)) from exc
        if r.isError():
            raise DeviceDown(f"Modbus exception {getattr(r, 'exception_code', '?')}")
        out = {}
        for p in self.device.points:
            offset = int(p.register or 0) - self.start
            words = r.registers[offset : offset + REGISTER_WORDS[p.type]]
            kind = getattr(self.client.DATATYPE, p.type.upper())
            out[p.metric] = p.value(self.client.convert_from_registers(words, kind))  # type: ignore[arg-type]
        return out

    def close(self) -> None:
        self.client.close()

    async def aclose(self) -> None:
        self.close()


class OpcUaReader:
    def __init__(self, device: DeviceMap) -> None:
        self.device = device
        self.client: Any = None

    async def read(self) -> dict[str, Any]:
        from asyncua import Client

        try:
            if self.client is None:
                self.client = Client(str(self.device.endpoint), timeout=3)
                await self.client.connect()
            nodes = [self.client.get_node(str(p.node)) for p in self.device.points]
            values = await self.client.read_values(nodes)
        except Exception as exc:  # asyncua raises many kinds; all mean "not now"
            await self.aclose()
            raise DeviceDown(str(exc) or type(exc).__name__) from exc
        return {p.metric: p.value(v) for p, v in zip(self.device.points, values, strict=True)}

    async def aclose(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.disconnect()
            self.client = None


# --- publishers ----------------------------------------------------------------------------------


class MqttPublisher:
    def __init__(self, config: GatewayConfig) -> None:
        self.url = BrokerUrl.parse(config.publish_url)
        self.topic = record_topic(config.org, "telemetry", config.source)
        self.client = client(self.url, f"gw-{config.org}-{config.source}", persistent=False)
        self.client.connect_async(self.url.host, self.url.port, keepalive=20)
        self.client.loop_start()

    async def send(self, records: list[dict[str, Any]]) -> None:
        if not self.client.is_connected():
            raise ConnectionError("broker not connected")
        info = self.client.publish(self.topic, orjson.dumps(records), qos=1)
        deadline = time.monotonic() + 10
        while not info.is_published():
            if time.monotonic() > deadline or not self.client.is_connected():
                raise ConnectionError("broker did not acknowledge the batch")
            await asyncio.sleep(0.02)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class HttpPublisher:
    def __init__(self, config: GatewayConfig) -> None:
        self.url = f"{config.publish_url.rstrip('/')}/api/v1/ingest/telemetry"
        self.client = httpx.AsyncClient(
            timeout=30, headers={"authorization": f"Bearer {config.api_key}"}
        )
        self.key_id = config.signing_key_id
        self.key = load_private_key(config.signing_key.read_bytes()) if config.signing_key else None

    async def send(self, records: list[dict[str, Any]]) -> None:
        body = orjson.dumps(records)
        headers = {"content-type": "application/json"}
        if self.key is not None and self.key_id:
            headers.update({KEY_HEADER: self.key_id, SIGNATURE_HEADER: sign(self.key, body)})
        r = await self.client.post(self.url, content=body, headers=headers)
        if r.status_code >= 500 or r.status_code in (408, 429):
            raise ConnectionError(f"platform answered {r.status_code}")
        if r.status_code != 200:  # our mistake (mapping, key): keeping it would block the spool
            log.error("batch refused", extra={"status": r.status_code, "body": r.text[:500]})

    def close(self) -> None:
        pass


# --- the gateway ---------------------------------------------------------------------------------


@dataclass
class Status:
    polled: int = 0
    published: int = 0
    failures: int = 0
    online: dict[str, bool] = field(default_factory=dict)
    last_error: dict[str, str] = field(default_factory=dict)


class Gateway:
    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.spool = Spool(config.buffer)
        self.status = Status()
        self.publisher: MqttPublisher | HttpPublisher | None = None

    def _reader(self, device: DeviceMap) -> ModbusReader | OpcUaReader:
        return ModbusReader(device) if device.protocol == "modbus" else OpcUaReader(device)

    async def run(self, stop: asyncio.Event) -> None:
        cfg = self.config
        self.publisher = (MqttPublisher(cfg) if cfg.publish_url.startswith("mqtt")
                          else HttpPublisher(cfg))  # fmt: skip
        n = len(cfg.devices)
        tasks = [
            asyncio.create_task(self._poll(d, i * cfg.interval_s / n, stop))
            for i, d in enumerate(cfg.devices)
        ]
        tasks.append(asyncio.create_task(self._publish(stop)))
        await stop.wait()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self._flush()  # one last try; what is left stays in the spool
        self.publisher.close()
        self._write_status()

    async def _poll(self, device: DeviceMap, offset: float, stop: asyncio.Event) -> None:
        reader = self._reader(device)
        interval = self.config.interval_s
        next_at = time.monotonic() + offset
        backoff = interval
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, next_at - time.monotonic()))
            if stop.is_set():
                break
            now = datetime.now(UTC)
            at = now.replace(microsecond=now.microsecond // 1000 * 1000)
            try:
                values = await reader.read()
            except DeviceDown as exc:
                if self.status.online.get(device.code, True):
                    log.warning("device down", extra={"device": device.code, "error": str(exc)})
                self.status.online[device.code] = False
                self.status.last_error[device.code] = str(exc)
                self.status.failures += 1
                # retry with back-off: doubling from the interval, capped so a device that comes
                # back is read again within a few intervals (and never more than a minute later)
                cap = min(60.0, max(5.0, 4 * interval))
                next_at = time.monotonic() + min(backoff, cap)
                backoff = min(backoff * 2, cap)
                continue
            if not self.status.online.get(device.code, True):
                log.info("device back", extra={"device": device.code})
            self.status.online[device.code] = True
            backoff = interval
            record = {
                "id": f"{device.code}-{at:%Y%m%d%H%M%S}{at.microsecond // 1000:03d}",
                "source": self.config.source,
                "org": self.config.org, "event_time": at.isoformat(), "device": device.code,
                **{k: v for k, v in values.items() if v is not None},
            }  # fmt: skip
            self.spool.put([record])
            self.status.polled += 1
            next_at += interval
            if next_at < time.monotonic():  # after a long outage: resume on the grid, now
                next_at = time.monotonic()
        await reader.aclose()

    async def _publish(self, stop: asyncio.Event) -> None:
        wait = min(self.config.interval_s, 5.0)
        while not stop.is_set():
            try:
                while await self._flush():
                    pass
            except Exception as exc:
                self.status.last_error["publish"] = str(exc)
            self._write_status()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)

    async def _flush(self) -> bool:
        """Publish one batch from the spool; True when something was sent."""
        files, records = self.spool.take(self.config.batch_max)
        if not records or self.publisher is None:
            return False
        await self.publisher.send(records)
        self.spool.done(files)
        self.status.published += len(records)
        return True

    def _write_status(self) -> None:
        s = self.status
        payload = {"polled": s.polled, "published": s.published, "pending_files": self.spool.pending(),
                   "failures": s.failures, "online": s.online, "last_error": s.last_error,
                   "at": datetime.now(UTC).isoformat()}  # fmt: skip
        (self.config.buffer / "status.json").write_bytes(orjson.dumps(payload))
