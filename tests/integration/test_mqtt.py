"""MQTT ingest against a real mosquitto: same checks, quarantine and idempotency as HTTP."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator

import orjson
import paho.mqtt.client as mqtt
import pytest

from chanrong.ingest.mqtt import MqttIngest, ack_topic, record_topic
from chanrong.platform import Platform
from tests.conftest import MQTT_SME_PASSWORD, OTHER_SME, SME, Broker, telemetry


class Gateway:
    """An SME's gateway: publishes batches, listens to its ack topic."""

    def __init__(self, broker: Broker, user: str, client_id: str) -> None:
        self.acks: queue.Queue[dict] = queue.Queue()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.username_pw_set(user, MQTT_SME_PASSWORD)
        self.client.on_message = lambda _c, _u, m: self.acks.put(orjson.loads(m.payload))
        self.client.connect("127.0.0.1", broker.port)
        self.client.subscribe(ack_topic(user, "+", "+"), qos=1)
        self.client.loop_start()

    def publish(self, topic: str, records: list[dict]) -> None:
        info = self.client.publish(topic, orjson.dumps(records), qos=1)
        info.wait_for_publish(timeout=10)

    def ack(self, timeout: float = 30) -> dict:  # a loaded 2-core machine can be slow
        return self.acks.get(timeout=timeout)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def subscriber(platform: Platform, broker: Broker) -> Iterator[MqttIngest]:
    service = MqttIngest(platform, broker.url())
    service.start()
    assert service.connected.wait(10)
    yield service
    service.stop()


@pytest.fixture
def gateway(broker: Broker) -> Iterator[Gateway]:
    gw = Gateway(broker, SME, "gw-sme")
    yield gw
    gw.close()


def stored(platform: Platform) -> int:
    return platform.events.count("telemetry")


def test_published_batches_are_checked_stored_once_and_acknowledged(
    platform: Platform, subscriber: MqttIngest, gateway: Gateway
) -> None:
    topic = record_topic(SME, "telemetry", "gw-01")
    batch = [telemetry(i) for i in range(50)] + [telemetry(50, power_kw=-3.0)]
    gateway.publish(topic, batch)
    ack = gateway.ack()
    assert (ack["accepted"], ack["rejected"]) == (50, 1)
    assert ack["rejections"][0]["errors"][0]["field"] == "power_kw"
    assert stored(platform) == 50
    channel = platform.store.cursor().execute("SELECT DISTINCT channel FROM ev_telemetry")
    assert channel.fetchall() == [("device",)]
    assert platform.events.quarantine(SME, viewer=SME)[0]["record_id"] == "t-50"

    gateway.publish(topic, batch)  # the same batch again
    again = gateway.ack()
    assert (again["accepted"], again["duplicates"]) == (0, 50)
    assert stored(platform) == 50


def test_one_sme_cannot_publish_as_another(
    platform: Platform, subscriber: MqttIngest, broker: Broker, gateway: Gateway
) -> None:
    intruder = Gateway(broker, OTHER_SME, "gw-other")
    try:
        # the broker's ACL drops a publish under someone else's USCC
        intruder.publish(record_topic(SME, "telemetry", "gw-01"), [telemetry(1)])
        # under its own topic, records about another enterprise are rejected by the scope check
        intruder.publish(record_topic(OTHER_SME, "telemetry", "gw-9"), [telemetry(2)])
        ack = intruder.ack()
        assert ack["accepted"] == 0
        assert ack["rejections"][0]["errors"][0]["code"] == "scope"
        with pytest.raises(queue.Empty):
            gateway.ack(timeout=1)
        assert stored(platform) == 0
    finally:
        intruder.close()


def test_messages_sent_while_the_platform_is_away_are_delivered_later(
    platform: Platform, broker: Broker, gateway: Gateway
) -> None:
    first = MqttIngest(platform, broker.url())
    first.start()
    assert first.connected.wait(10)
    first.stop()  # the persistent session stays with the broker
    gateway.publish(record_topic(SME, "telemetry", "gw-01"), [telemetry(i) for i in range(20)])
    again = MqttIngest(platform, broker.url())
    again.start()
    try:
        assert gateway.ack()["accepted"] == 20
        assert stored(platform) == 20
    finally:
        again.stop()


def test_unreadable_payloads_and_unknown_kinds_are_answered(
    subscriber: MqttIngest, gateway: Gateway
) -> None:
    gateway.client.publish(record_topic(SME, "telemetry", "gw-01"), b"{not json", qos=1)
    assert "not valid JSON" in gateway.ack()["error"]
    gateway.publish(record_topic(SME, "vibration", "gw-01"), [telemetry(1)])
    assert "unknown record kind" in gateway.ack()["error"]
    deadline = time.monotonic() + 5
    while subscriber.messages < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert subscriber.messages == 2
