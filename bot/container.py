"""Entry point of the container image (deploy/Dockerfile), configured by the environment only:

    python -m bot.container rasa      one Rasa replica on 0.0.0.0:5005 (tracker store, lock store, channels from
                                      RAFIQ_DATABASE_URL, RAFIQ_REDIS_URL, RAFIQ_ACTIONS_URL and the channels' secrets)
    python -m bot.container actions   the action server on 0.0.0.0:5055
    python -m bot.container schema    create every table once, before the replicas start

The process replaces itself with Rasa (exec), so the container's stop signal reaches Rasa directly.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from bot.errors import ConfigError
from bot.model import current_model, latest_model, rasa_environment
from bot.serve import credentials_yaml, endpoints_yaml
from bot.settings import ROOT, load_settings

RASA_PORT, ACTIONS_PORT = 5005, 5055


def rasa_command(settings_env: dict[str, str] | None = None) -> list[str]:
    """Write endpoints.yml and credentials.yml (mode 600, in a private directory) and return the `rasa run` line."""
    settings = load_settings(settings_env)
    model = current_model(Path(settings.model_dir)) or latest_model(Path(settings.model_dir))
    if model is None:
        raise ConfigError(f"no trained model in {settings.model_dir}: the image trains one at build time")
    folder = Path(tempfile.mkdtemp(prefix="rafiq-"))
    endpoints, credentials = folder / "endpoints.yml", folder / "credentials.yml"
    for path, text in ((endpoints, endpoints_yaml(ACTIONS_PORT, settings.database_url, settings.redis_url,
                                                  settings.actions_url)),
                       (credentials, credentials_yaml(settings))):
        path.touch(mode=0o600)
        path.write_text(text, encoding="utf-8")
    return [sys.executable, "-m", "rasa", "run", "--model", str(model), "--endpoints", str(endpoints),
            "--credentials", str(credentials), "--interface", "0.0.0.0", "--port", str(RASA_PORT)]


def main(argv: list[str] | None = None) -> int:
    """Run one role; exits with a clear message on a configuration error."""
    role = (sys.argv[1:] if argv is None else argv)[:1]
    env = rasa_environment()
    try:
        if role == ["rasa"]:
            command = rasa_command()
        elif role == ["actions"]:
            env["SANIC_HOST"] = "0.0.0.0"  # inside the container network; only the proxy is published
            command = [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(ACTIONS_PORT)]
        elif role == ["schema"]:
            command = [sys.executable, "-m", "channels.schema", load_settings().database_url]
        else:
            print("usage: python -m bot.container rasa|actions|schema", file=sys.stderr)
            return 2
    except ConfigError as error:
        print(f"rafiq: {error}", file=sys.stderr)
        return 1
    os.chdir(ROOT)
    os.execve(command[0], command, env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
