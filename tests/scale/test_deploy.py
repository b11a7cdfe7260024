"""deploy/: Docker cannot run here, so the compose file's YAML and keys are checked, and nginx checks both configs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.cluster_config import nginx_conf
from bot.settings import ROOT

pytestmark = pytest.mark.scale
DEPLOY = ROOT / "deploy"
# Service keys of the compose specification (compose-spec/compose-spec, schema/compose-spec.json) used or allowed.
SERVICE_KEYS = {"build", "command", "depends_on", "deploy", "entrypoint", "env_file", "environment", "healthcheck",
                "image", "init", "ports", "restart", "stop_grace_period", "volumes", "user", "expose"}
HEALTHCHECK_KEYS = {"test", "interval", "timeout", "retries", "start_period", "start_interval", "disable"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def test_the_compose_file_is_valid_yaml_with_compose_keys() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    assert {key for key in compose if not key.startswith("x-")} <= {"name", "services", "volumes"}
    services = compose["services"]
    assert {"postgres", "redis", "schema", "actions", "rasa-1", "rasa-2", "nginx"} <= set(services)
    for name, service in services.items():
        assert set(service) <= SERVICE_KEYS, (name, set(service) - SERVICE_KEYS)
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in services and rule["condition"] in CONDITIONS, (name, dependency)
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], dependency
        assert set(service.get("healthcheck") or {}) <= HEALTHCHECK_KEYS, name
    published = [port for service in services.values() for port in service.get("ports", [])]
    assert published == ["127.0.0.1:5005:5005"]  # only the proxy, and on loopback (TLS goes in front)
    for name in ("rasa-1", "rasa-2", "actions", "schema"):
        env = services[name]["environment"]
        assert env["RAFIQ_ENV"] == "production" and "RAFIQ_PEPPER" not in env  # the pepper comes from .env
        assert env["RAFIQ_DATABASE_URL"].startswith("postgresql://") and env["RAFIQ_REDIS_URL"].startswith("redis://")


def test_secrets_stay_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in ignored and "var" in ignored and ".venv" in ignored
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "PEPPER" not in dockerfile.replace("RAFIQ_PEPPER,", "") and "COPY .env" not in dockerfile
    assert 'ENTRYPOINT ["python", "-m", "bot.container"]' in dockerfile


@pytest.mark.parametrize("which", ["compose", "cluster"])
def test_nginx_accepts_both_proxy_configurations(which: str, tmp_path: Path) -> None:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        pytest.fail("nginx not found: run `bash scripts/nginx-deps`", pytrace=False)
    if which == "compose":  # the containers' names do not resolve here
        text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
        text = text.replace("rasa-1:5005", "127.0.0.1:5101").replace("rasa-2:5005", "127.0.0.1:5102")
        text = text.replace("/dev/stdout", str(tmp_path / "access.log")).replace("/dev/stderr", str(tmp_path / "e"))
        text = text.replace("events {", f"pid {tmp_path}/nginx.pid;\nevents {{")
    else:
        (tmp_path / "tmp").mkdir()
        text = nginx_conf(tmp_path, "127.0.0.1:5005", ["127.0.0.1:5101", "127.0.0.1:5102"])
    conf = tmp_path / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    checked = subprocess.run([binary, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
