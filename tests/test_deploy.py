"""docker-compose.yml: PostgreSQL, two replicas and a proxy that reach each other as the
bot's settings say. Checked with `docker compose config` where an engine runs; always
parsed and checked here."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import yaml

from bot.config import load_settings
from tests.harness import ROOT

DUMMY = {
    "TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35,
    "POSTGRES_PASSWORD": "pw",
    "WEBHOOK_URL": "https://bot.example.org/telegram",
    "WEBHOOK_SECRET": "s3cret",
}


def substitute(value: str) -> str:
    """Compose's `${NAME:?message}` / `${NAME}` with the dummy values."""
    return re.sub(r"\$\{(\w+)(?::\?[^}]*)?\}", lambda m: DUMMY[m.group(1)], value)


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_replicas_share_postgres_and_sit_behind_the_proxy(tmp_path) -> None:
    services = compose()["services"]
    replicas = [name for name, svc in services.items() if svc.get("build") == "."]
    assert len(replicas) >= 2
    urls = set()
    for name in replicas:
        env = {k: substitute(str(v)) for k, v in services[name]["environment"].items()}
        settings = load_settings({**env, "BOT_DB_PATH": str(tmp_path / "x.sqlite3")})
        assert settings.webhook_url and settings.webhook_listen == "0.0.0.0"
        assert settings.replicas == len(replicas)  # each keeps to its share of the limits
        assert settings.database_url is not None
        assert "@postgres:5432/" in settings.database_url  # the compose service below
        urls.add(settings.database_url)
        assert "postgres" in services[name]["depends_on"]
        health = " ".join(services[name]["healthcheck"]["test"])
        assert f"127.0.0.1:{settings.webhook_port}/healthz" in health
        port = settings.webhook_port
    assert len(urls) == 1, "every replica must use the same database"
    assert services["postgres"]["image"].startswith("postgres:15")
    proxy = services["proxy"]
    conf_path = next(v.split(":")[0] for v in proxy["volumes"] if "nginx.conf" in v)
    conf = (ROOT / conf_path).read_text()
    upstream = re.findall(r"server (\w+):(\d+)", conf)
    assert sorted(upstream) == sorted((name, str(port)) for name in replicas)
    assert "location = /telegram" in conf and "location = /healthz" in conf
    assert "/metrics" not in re.sub(r"#.*", "", conf)  # metrics are not published


def test_docker_compose_accepts_the_file_where_an_engine_runs() -> None:
    docker = shutil.which("docker")
    engine = (
        docker is not None
        and subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode == 0
    )
    if not engine:
        # No engine on this machine: the structure is checked by the test above.
        assert compose()["services"]
        return
    assert docker is not None
    env = {**DUMMY, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [docker, "compose", "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_the_wheel_holds_every_package() -> None:
    """The Docker image installs a wheel of pyproject.toml's packages: every folder of code
    under bot/ and handlers/ (bot.storage, the feature packages) must be found by the same
    setuptools rule the build uses, or the image would start without it."""
    import tomllib

    from setuptools import find_packages  # type: ignore[import-untyped]

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    find = config["tool"]["setuptools"]["packages"]["find"]
    found = set(find_packages(where=str(ROOT), include=find["include"]))
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for top in ("bot", "handlers")
        for path in (ROOT / top).rglob("__init__.py")
    }
    assert on_disk <= found, f"left out of the wheel: {sorted(on_disk - found)}"
    assert {"bot", "bot.storage", "handlers"} <= found
