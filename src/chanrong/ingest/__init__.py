"""One ingest pipeline behind every channel: HTTP, files, CLI (and later MQTT and gateways)."""
