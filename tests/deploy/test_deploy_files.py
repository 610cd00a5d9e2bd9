"""Static checks of the deployment files under deploy/.

Nothing here needs Docker, a cluster or a broker: `docker-compose config` validates the
compose file offline, kubernetes_validate checks the manifests against the API schemas,
and the entrypoint is read as text and run with stub commands.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from functools import cache, partial
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from nameko.cli.main import IMPLICIT_ENV_VAR_MATCHER, env_var_constructor

from common.config import SERVICES, nameko_config
from common.events import EXCHANGE
from gateway.http import MAX_UPLOAD_BYTES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE_FILE = DEPLOY / "compose.yaml"

PROCESSES = (*SERVICES, "gateway")
CONFIGMAP = "gov-config"
SECRET = "gov-secrets"


# --- docker-compose -------------------------------------------------------------------


@cache
def compose_config() -> dict:
    """The compose file as docker-compose 1.29 resolves it (defaults interpolated).

    Called from the tests, not a fixture, so a missing docker-compose FAILS them
    (a fixture error would be reported as ERROR).
    """
    executable = shutil.which("docker-compose")
    if executable is None:
        pytest.fail(
            "docker-compose is not on PATH: install it to validate deploy/compose.yaml "
            "(Debian/Ubuntu: apt-get install -y docker-compose)"
        )
    # Only the defaults in the file: no deploy/.env or caller's settings leak in.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("COMPOSE_", "GOV_"))}
    env.update(POSTGRES_PASSWORD="", RABBITMQ_PASSWORD="", GATEWAY_PORT="")
    result = subprocess.run(
        [executable, "-f", str(COMPOSE_FILE), "config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"docker-compose config failed:\n{result.stderr}"
    return yaml.safe_load(result.stdout)


def test_compose_config_has_every_service():
    expected = {"rabbitmq", "postgres", "migrate", *PROCESSES}
    assert expected <= set(compose_config()["services"])


def test_compose_services_are_scalable():
    services = compose_config()["services"]
    for name, service in services.items():
        assert "container_name" not in service, f"{name} has a container_name; it could not be scaled"
        if name != "gateway":
            assert not service.get("ports"), f"{name} publishes a host port; it could not be scaled"
    ports = services["gateway"]["ports"]
    assert [(int(p["published"]), int(p["target"])) for p in ports] == [(8000, 8000)]


def test_compose_services_start_after_migrate():
    services = compose_config()["services"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in SERVICES:
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["rabbitmq"]["condition"] == "service_healthy", name


def test_compose_processes_get_their_settings():
    services = compose_config()["services"]
    images = {services[name]["image"] for name in (*PROCESSES, "migrate")}
    assert len(images) == 1, f"one image for every process, found {images}"
    for name in PROCESSES:
        service = services[name]
        assert service["command"] == [name]
        assert service["environment"]["GOV_ENV"] == "production"
        assert service["environment"]["AMQP_URI"].startswith("amqp://")
        assert service.get("healthcheck"), f"{name} has no healthcheck"
        assert service.get("restart") == "unless-stopped", name
    for name in SERVICES:
        url = services[name]["environment"][f"{name.upper()}_DATABASE_URL"]
        assert url.startswith("postgresql://") and url.endswith(f"@postgres:5432/{name}")
        assert services["migrate"]["environment"][f"{name.upper()}_DATABASE_URL"] == url
    assert services["gateway"]["environment"]["GOV_JWT_SECRET"]


def test_postgres_init_creates_every_database():
    sql = (DEPLOY / "postgres-init.sql").read_text()
    assert set(re.findall(r"CREATE DATABASE (\w+);", sql)) == set(SERVICES)


def test_rabbitmq_definitions_declare_the_events_exchange():
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    (exchange,) = [e for e in definitions["exchanges"] if e["name"] == EXCHANGE]
    # Must equal the services' own declaration (common.consumer, common.outbox), or the
    # broker refuses their exchange_declare with PRECONDITION_FAILED.
    assert exchange == {
        "name": EXCHANGE,
        "vhost": "/",
        "type": "topic",
        "durable": True,
        "auto_delete": False,
        "internal": False,
        "arguments": {},
    }


# --- Kubernetes -----------------------------------------------------------------------


def load_manifests() -> list[tuple[str, dict]]:
    """(file:index, document) for every document under deploy/k8s, subdirectories included."""
    documents = []
    for path in sorted(K8S.rglob("*.yaml")):
        for index, document in enumerate(yaml.safe_load_all(path.read_text())):
            if document:
                documents.append((f"{path.relative_to(K8S)}:{index}", document))
    return documents


MANIFESTS = load_manifests()


def objects(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for _, doc in MANIFESTS if doc["kind"] == kind}


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def test_manifests_found():
    kinds = {doc["kind"] for _, doc in MANIFESTS}
    assert {"Namespace", "ConfigMap", "Secret", "Deployment", "Service", "Job"} <= kinds


@pytest.mark.parametrize(("where", "document"), MANIFESTS, ids=[where for where, _ in MANIFESTS])
def test_manifest_is_valid(where, document):
    # Strict: unknown fields are errors too. Raises ValidationError with the details.
    kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)


def test_everything_in_one_namespace():
    (namespace,) = objects("Namespace")
    for where, document in MANIFESTS:
        if document["kind"] != "Namespace":
            assert document["metadata"].get("namespace") == namespace, where


def test_a_deployment_per_process():
    deployments = objects("Deployment")
    assert set(PROCESSES) <= set(deployments)
    images = set()
    for name in PROCESSES:
        (container,) = pod_spec(deployments[name])["containers"]
        assert container["args"] == [name], f"{name} Deployment runs {container.get('args')}"
        assert container["resources"]["requests"] and container["resources"]["limits"], name
        images.add(container["image"])
    (job,) = objects("Job").values()
    (container,) = pod_spec(job)["containers"]
    assert container["args"] == ["migrate"]
    images.add(container["image"])
    assert len(images) == 1, f"one image for every process, found {images}"


def test_containers_use_the_configmap_and_secret():
    configmaps, secrets = objects("ConfigMap"), objects("Secret")
    assert CONFIGMAP in configmaps and SECRET in secrets
    config_keys = set(configmaps[CONFIGMAP]["data"])
    assert {"AMQP_URI", "GOV_ENV", "GOV_RPC_TIMEOUT"} <= config_keys
    assert configmaps[CONFIGMAP]["data"]["GOV_ENV"] == "production"
    secret_keys = set(secrets[SECRET].get("stringData", {})) | set(secrets[SECRET].get("data", {}))
    refs = {"configMapKeyRef": (CONFIGMAP, config_keys), "secretKeyRef": (SECRET, secret_keys)}

    workloads = [*objects("Deployment").values(), *objects("Job").values()]
    for workload in workloads:
        for container in pod_spec(workload)["containers"]:
            where = f"{workload['kind']} {workload['metadata']['name']}/{container['name']}"
            from_maps = [source["configMapRef"]["name"] for source in container.get("envFrom", [])]
            assert from_maps == [CONFIGMAP], f"{where}: envFrom {from_maps}"
            for var in container.get("env", []):
                assert "valueFrom" in var, f"{where}: {var['name']} is set inline, not from {SECRET}"
                ((ref_kind, ref),) = var["valueFrom"].items()
                name, keys = refs[ref_kind]
                assert ref["name"] == name, f"{where}: {var['name']} refers to {ref['name']}"
                assert ref["key"] in keys, f"{where}: {name} has no key {ref['key']}"

    def env_names(name: str, kind: str = "Deployment") -> set[str]:
        (container,) = pod_spec(objects(kind)[name])["containers"]
        return {var["name"] for var in container.get("env", [])}

    # Each process gets only the secrets it needs.
    field_keys = {"GOV_FIELD_KEYS", "GOV_FIELD_KEY_ID", "GOV_BLIND_INDEX_KEY"}  # grids and tasks seal PII
    for service in SERVICES:
        sealing = field_keys if service in ("grids", "tasks") else set()
        assert env_names(service) == {f"{service.upper()}_DATABASE_URL"} | sealing
    assert env_names("gateway") == {"GOV_JWT_SECRET"}
    (job_name,) = objects("Job")
    assert (
        env_names(job_name, "Job") == {f"{service.upper()}_DATABASE_URL" for service in SERVICES} | field_keys
    )


def test_gateway_probes_and_service():
    (container,) = pod_spec(objects("Deployment")["gateway"])["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": 8000}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    service = objects("Service")["gateway"]["spec"]
    assert service.get("type", "ClusterIP") == "ClusterIP"
    assert service["selector"] == objects("Deployment")["gateway"]["spec"]["selector"]["matchLabels"]
    assert [(p["port"], ports.get(p["targetPort"], p["targetPort"])) for p in service["ports"]] == [
        (80, 8000)
    ]


def test_ingress_terminates_tls_for_the_gateway():
    ingress = objects("Ingress")["gateway"]
    spec = ingress["spec"]
    (tls,) = spec["tls"]
    assert tls["secretName"] == "gov-tls"
    (rule,) = spec["rules"]
    assert rule["host"] in tls["hosts"], "the routed host must be covered by the certificate"
    (path,) = rule["http"]["paths"]
    backend = path["backend"]["service"]
    service = objects("Service")["gateway"]["spec"]
    assert backend["name"] == "gateway"
    assert backend["port"]["name"] in {p["name"] for p in service["ports"]}
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
    # the proxy must let the largest upload through
    assert (
        int(annotations["nginx.ingress.kubernetes.io/proxy-body-size"].rstrip("m")) * 2**20 > MAX_UPLOAD_BYTES
    )
    # the Secret is documented, not committed
    assert "secret tls gov-tls" in (DEPLOY / "README.md").read_text()
    assert "GOV_TLS_CERT" in (DEPLOY / "README.md").read_text()


def test_pods_run_as_the_image_user():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    (user,) = re.findall(r"^USER (\d+):(\d+)$", dockerfile, flags=re.M)
    for workload in [*objects("Deployment").values(), *objects("Job").values()]:
        context = pod_spec(workload)["securityContext"]
        assert context["runAsNonRoot"] is True
        assert (str(context["runAsUser"]), str(context["runAsGroup"])) == user


# --- image ----------------------------------------------------------------------------


ENTRYPOINT = DEPLOY / "entrypoint.sh"


def test_entrypoint_handles_every_process():
    text = ENTRYPOINT.read_text()
    arms = {}  # process name -> the command its `case` arm execs
    for patterns, body in re.findall(r"^\s*([\w |*]+)\)\s*\n(.*?);;", text, flags=re.M | re.S):
        for pattern in patterns.split("|"):
            arms[pattern.strip()] = " ".join(body.split())
    for name in SERVICES:
        assert name in arms, f"entrypoint.sh has no case for {name}"
        assert 'nameko run --config "$config" "services.$process.service:$class"' in arms[name]
    assert 'nameko run --config "$config" gateway.service:GatewayService' in arms["gateway"]
    assert "python -m common.migrations" in arms["migrate"]
    assert 'config="${NAMEKO_CONFIG:-deploy/nameko.yaml}"' in text


@pytest.fixture
def run_entrypoint(tmp_path):
    """Run entrypoint.sh with `nameko` and `python` stubs that print what they were given."""
    for stub in ("nameko", "python"):
        path = tmp_path / stub
        path.write_text(f'#!/bin/sh\necho {stub} "$@"\n')
        path.chmod(0o755)

    def run(*args: str, **env: str) -> subprocess.CompletedProcess:
        environ = {"PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}", **env}
        return subprocess.run(
            ["sh", str(ENTRYPOINT), *args], env=environ, capture_output=True, text=True, timeout=30
        )

    return run


@pytest.mark.parametrize("service", SERVICES)
def test_entrypoint_runs_each_service(run_entrypoint, service):
    result = run_entrypoint(service)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "nameko",
        "run",
        "--config",
        "deploy/nameko.yaml",
        f"services.{service}.service:{service.capitalize()}Service",
    ]


def test_entrypoint_runs_gateway_migrate_and_service_variable(run_entrypoint):
    gateway = "nameko run --config deploy/nameko.yaml gateway.service:GatewayService"
    assert run_entrypoint("gateway").stdout.strip() == gateway
    assert run_entrypoint().stdout.strip() == gateway
    assert run_entrypoint(SERVICE="tasks").stdout.split()[-1] == "services.tasks.service:TasksService"
    assert run_entrypoint("migrate").stdout.strip() == "python -m common.migrations"
    assert (
        run_entrypoint("migrate", "grids", "tasks").stdout.strip()
        == "python -m common.migrations grids tasks"
    )
    unknown = run_entrypoint("taks")
    assert unknown.returncode != 0 and "unknown process" in unknown.stderr


def test_dockerfile_builds_one_image_for_every_process():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, flags=re.M)
    assert "pip install -r requirements.txt" in text
    for directory in ("common", "services", "gateway", "deploy"):
        assert re.search(rf"^COPY {directory}/ ", text, flags=re.M), f"Dockerfile does not copy {directory}/"
    assert re.search(r"^USER (?!0\b|root\b)\S+", text, flags=re.M), "the image must not run as root"
    assert re.search(r'^ENTRYPOINT \[.*"/app/deploy/entrypoint.sh"\]$', text, flags=re.M)
    assert re.search(r'^CMD \["gateway"\]$', text, flags=re.M)
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert {".venv", "var", ".git"} <= set(ignored)


# --- nameko configuration -------------------------------------------------------------


def load_nameko_config(environ: dict[str, str], monkeypatch) -> dict:
    """deploy/nameko.yaml as `nameko run --config` reads it, with the given environment."""

    class Loader(yaml.SafeLoader):
        """nameko.cli.main.setup_yaml_parser(), without changing yaml.SafeLoader for everyone."""

    Loader.add_constructor("!env_var", env_var_constructor)
    Loader.add_constructor("!raw_env_var", partial(env_var_constructor, raw=True))
    Loader.add_implicit_resolver("!env_var", IMPLICIT_ENV_VAR_MATCHER, None)
    for name in ("AMQP_URI", "WEB_SERVER_ADDRESS", "GOV_MAX_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return yaml.load((DEPLOY / "nameko.yaml").read_text(), Loader=Loader)  # a SafeLoader subclass


def test_nameko_config_defaults(monkeypatch):
    config = load_nameko_config({}, monkeypatch)
    assert config["AMQP_URI"] == "amqp://guest:guest@rabbitmq:5672/"
    assert config["WEB_SERVER_ADDRESS"] == "0.0.0.0:8000"
    assert config["max_workers"] == 10
    # The same serialisation settings as the in-process runner (common.config).
    expected = nameko_config()
    for key in ("serializer", "SERIALIZERS", "ACCEPT"):
        assert config[key] == expected[key], key


def test_nameko_config_reads_the_environment(monkeypatch):
    uri = "amqp://gov:p#a: ss@broker.internal:5671/prod"
    config = load_nameko_config({"AMQP_URI": uri, "GOV_MAX_WORKERS": "25"}, monkeypatch)
    assert config["AMQP_URI"] == uri
    assert config["max_workers"] == 25


# --- container health check -----------------------------------------------------------


def test_healthcheck_finds_the_broker_connection(tmp_path):
    spec = importlib.util.spec_from_file_location("deploy_healthcheck", DEPLOY / "healthcheck.py")
    healthcheck = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(healthcheck)
    table = tmp_path / "tcp"
    table.write_text(
        "  sl  local_address rem_address   st tx_queue rx_queue\n"
        # 172.18.0.5:40000 -> 172.18.0.2:5672 ESTABLISHED; 127.0.0.1:8000 LISTEN
        "   0: 050012AC:9C40 020012AC:1628 01 00000000:00000000\n"
        "   1: 0100007F:1F40 00000000:0000 0A 00000000:00000000\n"
    )
    assert healthcheck.established_remote_ports((str(table), str(tmp_path / "absent"))) == {5672}
    assert healthcheck.broker_port("amqp://u:p@rabbitmq:5672/") == 5672
    assert healthcheck.broker_port("amqps://u:p@broker/") == 5671
    assert healthcheck.broker_port("amqp://u:p@broker:5673/vhost") == 5673
