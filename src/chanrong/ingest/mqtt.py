"""MQTT: the platform subscribes to every enterprise's topics on a broker (mosquitto).

Topic scheme (documented in docs/mqtt.md):

    chanrong/v1/{org USCC}/{record kind}/{source}        records, published by the enterprise
    chanrong/v1/{org USCC}/ack/{record kind}/{source}    what the platform made of each message

A message is one batch, exactly as an HTTP body: a JSON array or object, NDJSON, an Arrow IPC
stream or Parquet (MQTT 5 content-type, or sniffed from the first bytes). The topic's USCC is
the submitter; the broker's ACL lets a user publish only under its own USCC, and the ingest
scope check rejects records about any other enterprise, so one SME cannot publish as another.

Messages are taken at QoS 1 on a persistent session and acknowledged to the broker only after
the batch is committed: if the platform stops mid-way, the broker delivers the message again,
and idempotency stores it once.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import orjson
import paho.mqtt.client as mqtt

from chanrong.access.rules import Principal, Role
from chanrong.ingest.decode import decode_body, sniff_media
from chanrong.model import EVENT_KINDS
from chanrong.model.base import Channel
from chanrong.model.master import OrgKind
from chanrong.platform import Platform
from chanrong.store.events import BadPayload

ROOT = "chanrong/v1"
PLATFORM_USER = "chanrong-platform"
log = logging.getLogger("chanrong.mqtt")


def record_topic(org: str, kind: str, source: str) -> str:
    return f"{ROOT}/{org}/{kind}/{source}"


def ack_topic(org: str, kind: str, source: str) -> str:
    return f"{ROOT}/{org}/ack/{kind}/{source}"


@dataclass(frozen=True)
class BrokerUrl:
    host: str
    port: int
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> BrokerUrl:
        """mqtt://user:password@host:1883"""
        u = urlparse(url if "://" in url else f"mqtt://{url}")
        if u.scheme != "mqtt" or not u.hostname:
            raise ValueError(f"not an MQTT URL such as mqtt://user:pass@127.0.0.1:1883: {url}")
        return cls(u.hostname, u.port or 1883, unquote(u.username) if u.username else None,
                   unquote(u.password) if u.password else None)  # fmt: skip


def client(url: BrokerUrl, client_id: str, *, persistent: bool = True, manual_ack: bool = False
           ) -> mqtt.Client:  # fmt: skip
    c = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=not persistent,
        manual_ack=manual_ack,
    )  # fmt: skip
    if url.username:
        c.username_pw_set(url.username, url.password)
    c.reconnect_delay_set(min_delay=1, max_delay=30)
    return c


class MqttIngest:
    """The platform's subscriber: a service that runs beside the web server."""

    name = "mqtt"

    def __init__(self, platform: Platform, url: str, client_id: str = "chanrong-platform"):
        self.platform = platform
        self.url = BrokerUrl.parse(url)
        self.client = client(self.url, client_id, manual_ack=True)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.connected = threading.Event()
        self.messages = 0
        self.last_error: str | None = None
        self._kinds: dict[str, OrgKind] = {}

    def start(self) -> None:
        self.client.connect_async(self.url.host, self.url.port, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def status(self) -> dict[str, Any]:
        return {
            "running": self.connected.is_set() and self.client.is_connected(),
            "broker": f"{self.url.host}:{self.url.port}", "messages": self.messages,
            "last_error": self.last_error,
        }  # fmt: skip

    def _on_connect(self, c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            self.last_error = f"connection refused: {reason}"
            log.error("mqtt connection refused", extra={"reason": str(reason)})
            return
        c.subscribe(f"{ROOT}/+/+/+", qos=1)
        self.connected.set()
        log.info("mqtt subscribed", extra={"broker": f"{self.url.host}:{self.url.port}"})

    def _org_kind(self, uscc: str) -> OrgKind | None:
        """The publisher's kind; only registered ones are remembered, so a firm registered
        after its first message is recognised on the next one."""
        if uscc not in self._kinds:
            org = self.platform.master.organisation(uscc)
            if org is None:
                return None
            self._kinds[uscc] = OrgKind(org.org_kind)
        return self._kinds[uscc]

    def _on_message(self, c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            answer = self.handle(msg.topic, bytes(msg.payload), _content_type(msg))
        except Exception as exc:  # the store is busy or closing: the broker will resend it
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("mqtt message not stored; the broker will deliver it again")
            return
        if answer is not None:
            org, kind, source = msg.topic.split("/")[2:5]
            c.publish(ack_topic(org, kind, source), orjson.dumps(answer), qos=1)
        c.ack(msg.mid, msg.qos)
        self.messages += 1

    def handle(self, topic: str, payload: bytes, content_type: str | None) -> dict | None:
        """Store one message; return the answer for the ack topic (None for foreign topics)."""
        parts = topic.split("/")
        if len(parts) != 5 or "/".join(parts[:2]) != ROOT:
            return None
        org, kind, source = parts[2:5]
        org_kind = self._org_kind(org)
        if org_kind is None:
            return {"error": f"organisation {org} is not registered on the platform"}
        if kind not in EVENT_KINDS:
            return {"error": f"unknown record kind {kind!r}"}
        principal = Principal(
            org=org, org_kind=org_kind, role=Role.MEMBER, api_key_id=f"mqtt:{source}"
        )
        try:
            batch = decode_body(payload, content_type or sniff_media(payload))
            result = self.platform.ingest.submit(kind, batch, principal, channel=Channel.DEVICE
                                                 if org_kind is OrgKind.SME else None)  # fmt: skip
        except (BadPayload, ValueError, PermissionError) as exc:
            return {"error": str(exc)}
        return result.model_dump(mode="json")


def _content_type(msg: mqtt.MQTTMessage) -> str | None:
    props = getattr(msg, "properties", None)
    return getattr(props, "ContentType", None) if props else None


# --- the broker ---------------------------------------------------------------------------------

ACL = f"""# chanrong MQTT access rules: the platform reads every enterprise's topics and writes acks;
# every other user (its name is its organisation's USCC) writes only under its own USCC.
user {PLATFORM_USER}
topic read {ROOT}/#
topic write {ROOT}/+/ack/#

pattern write {ROOT}/%u/#
pattern read {ROOT}/%u/ack/#
"""


def broker_config(folder: Path, port: int, users: dict[str, str], host: str = "127.0.0.1") -> Path:
    """Write mosquitto.conf, the ACL and the password file (hashed by mosquitto_passwd)."""
    folder.mkdir(parents=True, exist_ok=True)
    passwd = folder / "passwd"
    passwd.write_text("")
    for user, password in users.items():
        subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password], check=True,
                       capture_output=True)  # fmt: skip
    passwd.chmod(0o600)
    (folder / "acl").write_text(ACL)
    (folder / "acl").chmod(0o600)
    conf = folder / "mosquitto.conf"
    lines = [
        f"listener {port} {host}", "allow_anonymous false", f"password_file {passwd}",
        f"acl_file {folder / 'acl'}", "persistence true", f"persistence_location {folder}/",
    ]  # fmt: skip
    if os.geteuid() == 0:
        lines.append("user root")  # keep access to the files above when started as root
    conf.write_text("\n".join(lines) + "\n")
    return conf
