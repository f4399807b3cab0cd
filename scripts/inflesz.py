"""Print the INFLESZ reading ease of Spanish section files: `python scripts/inflesz.py FILE...`."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.readability import counts_es, inflesz_of  # noqa: E402


def section_text(data: dict) -> str:  # type: ignore[type-arg]
    parts = data.get("parts") or [{"pages": data.get("pages") or []}]
    return "\n".join(
        [*(data.get("key_points") or []), *(p for part in parts for p in part.get("pages") or [])]
    )


total = (0, 0, 0)
for name in sys.argv[1:]:
    data = yaml.safe_load(Path(name).read_text(encoding="utf-8"))
    c = counts_es(section_text(data))
    total = (total[0] + c[0], total[1] + c[1], total[2] + c[2])
    print(f"{Path(name).name:<28} {c[1]:>6} words  INFLESZ {inflesz_of(*c):5.1f}")
print(f"{'all':<28} {total[1]:>6} words  INFLESZ {inflesz_of(*total):5.1f}")
