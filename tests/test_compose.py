"""compose.yaml, .env.example, the Dockerfile and .dockerignore hold together (README, "Production"): every process
starts through the entrypoint and has a health check, the start order follows health, one beat, every queue has a
worker. Read as files: no Docker engine is needed (a real `docker compose config` is in the README)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

yaml = pytest.importorskip("yaml", reason="PyYAML comes with schemathesis (requirements-dev.txt)")

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = "/app/scripts/entrypoint.sh"
# The modes of scripts/entrypoint.sh that run a process; the check-* modes are the health checks.
PROCESS_MODES = {"web", "worker", "beat", "migrate"}
HEALTH_MODES = {"web": "check-web", "worker": "check-worker", "beat": "check-beat"}
# ${NAME}, ${NAME:-default}, ${NAME:?message}; $${NAME} is a variable of the container's shell, not of compose.
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]  # type: ignore[no-any-return]


def app_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The services that run the site's image (the others are PostgreSQL and Redis)."""
    return {name: service for name, service in services.items() if "build" in service}


def mode(service: dict[str, Any]) -> str:
    command = service["command"]
    assert isinstance(command, list), "commands are lists: no shell in between"
    return str(command[0])


def test_the_file_follows_the_compose_specification_with_a_fixed_project_name(compose: dict[str, Any]) -> None:
    assert "version" not in compose
    # Volume names derive from the project name: a fixed one keeps the data when the folder is renamed.
    assert compose["name"] == "inventaris"
    assert set(compose["volumes"]) == {"postgres", "redis", "backups"}


def test_every_process_starts_through_the_entrypoint_with_one_of_its_modes(services: dict[str, Any]) -> None:
    apps = app_services(services)
    assert set(apps) == {"migrate", "web", "worker-aggregates", "worker-imports", "worker-mail-housekeeping", "beat"}
    for name, service in apps.items():
        assert "entrypoint" not in service, name
        assert mode(service) in PROCESS_MODES, name
        assert service["command"] == [mode(service)], name


def test_every_service_has_a_health_check_and_migrate_is_a_one_shot_step(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if name == "migrate":
            assert service["healthcheck"] == {"disable": True}
            assert service["restart"] == "no"
            continue
        test = service["healthcheck"]["test"]
        assert test[0] in ("CMD", "CMD-SHELL"), name
        if name in app_services(services):
            assert test == ["CMD", ENTRYPOINT, HEALTH_MODES[mode(service)]], name
            assert service["restart"] == "unless-stopped", name
    assert services["postgres"]["healthcheck"]["test"][1].startswith("pg_isready")
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_processes_start_in_order_of_health(services: dict[str, Any]) -> None:
    healthy = {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"] == {"postgres": healthy, "redis": healthy}
    for name, service in app_services(services).items():
        if name != "migrate":
            assert service["depends_on"] == {
                "postgres": healthy,
                "redis": healthy,
                "migrate": {"condition": "service_completed_successfully"},
            }, name


def test_exactly_one_beat_runs(services: dict[str, Any]) -> None:
    beats = [name for name, service in app_services(services).items() if mode(service) == "beat"]
    assert beats == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert "scale" not in services["beat"]


def test_the_workers_take_every_queue_each_from_one_worker(services: dict[str, Any]) -> None:
    queues = [
        queue
        for service in app_services(services).values()
        if mode(service) == "worker"
        for queue in service["environment"]["WORKER_QUEUES"].split(",")
    ]
    assert sorted(queues) == sorted(settings.WORKER_QUEUES)


def test_the_broker_keeps_its_queues_across_a_restart(services: dict[str, Any]) -> None:
    assert services["redis"]["command"] == ["redis-server", "--appendonly", "yes"]
    assert services["redis"]["volumes"] == ["redis:/data"]
    assert services["postgres"]["volumes"] == ["postgres:/var/lib/postgresql/data"]


def test_every_process_gets_the_shared_settings_and_backups_go_to_their_volume(services: dict[str, Any]) -> None:
    for name, service in app_services(services).items():
        environment = service["environment"]
        for variable in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"):
            assert variable in environment, (name, variable)
        assert environment["DEBUG"] == "False", name
        assert environment["BACKUP_DIR"] == "/backups", name
    # The nightly backup runs on the housekeeping queue.
    assert services["worker-mail-housekeeping"]["volumes"] == ["backups:/backups"]


def test_env_example_lists_every_variable_compose_reads_and_no_other() -> None:
    read = set(VARIABLE.findall((ROOT / "compose.yaml").read_text()))
    listed = {
        line.partition("=")[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert read == listed
    # No secret in the example: the required ones are empty.
    example = dict(line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line)
    assert example["SECRET_KEY"] == example["POSTGRES_PASSWORD"] == ""


def test_the_image_runs_the_entrypoint_as_a_fixed_unprivileged_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    runtime = dockerfile.split("FROM ${PYTHON_IMAGE}\n", 1)[1]  # after the builder stage
    assert f'ENTRYPOINT ["{ENTRYPOINT}"]' in runtime
    assert 'CMD ["web"]' in runtime
    assert re.search(r"^USER 10001:10001$", runtime, re.MULTILINE)
    assert "--uid 10001" in runtime
    assert "collectstatic --noinput" in runtime
    assert re.search(r'^HEALTHCHECK .* CMD \["/app/scripts/entrypoint.sh", "check-web"\]$', runtime, re.MULTILINE)


def test_secrets_tests_and_local_state_stay_out_of_the_image() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".git", ".venv", ".local", "staticfiles", "tests", "bench"} <= ignored
    assert ".env" in (ROOT / ".gitignore").read_text().split()
