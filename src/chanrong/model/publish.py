"""Write the JSON Schema of every record kind to docs/schema/ (`python -m chanrong.model.publish`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from chanrong.model import EVENT_MODELS, MASTER_MODELS


def publish(target: Path) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for model in (*EVENT_MODELS, *MASTER_MODELS):
        path = target / f"{model.kind}.schema.json"
        path.write_text(
            json.dumps(model.model_json_schema(), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
        written.append(path)
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/schema")
    for p in publish(out):
        print(p)
