"""docker-compose.yml (with its two overrides), the Dockerfile and .dockerignore, read as the
specification of the devnet.

tests/e2e/test_compose.py runs them for real; these checks need no engine and fail in seconds:
every `rollup` invocation in the compose file is parsed by the CLI's own click command (imported
from the typer app), so a renamed or removed option fails here rather than in a container; ports,
URLs, volumes, keys and the start-up order must agree across services. `${VAR:-default}` is read
as its default, as compose does with VAR unset. (typer 0.29 carries its own copy of click:
the command objects come from `typer.main.get_command`, and their errors are `typer.TyperException`.)
"""

from __future__ import annotations

import contextlib
import http.server
import importlib.util
import json
import re
import shlex
import socket
import subprocess
import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
import typer
import typer.core
import yaml

from rollup_cli.l1_roles import L1_BATCHER_KEY, L1_PROPOSER_KEY
from rollup_cli.main import app

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
BRIDGE_OVERRIDE_FILE = REPO_ROOT / "docker-compose.override.yml"
HOST_OVERRIDE_FILE = REPO_ROOT / "docker-compose.host.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
HEALTHCHECK_SCRIPT = REPO_ROOT / "docker" / "healthcheck.py"
NATIVE_ANVILS = sorted((REPO_ROOT / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil"))

ANVIL_SERVICE = "anvil"
POSTGRES_SERVICE = "postgres"
DEPLOYER_SERVICE = "deployer"
ANVIL_CHAIN_ID = 31337
POSTGRES_PORT = 5432
PATH_OPTIONS = ("--data-dir", "--genesis", "--deployment", "--out-dir")
ONE_SHOT_CONDITION = "service_completed_successfully"
LONG_RUNNING_CONDITION = "service_healthy"


# -- reading the files ---------------------------------------------------------------------------


def read_compose_file(path: Path) -> dict[str, Any]:
    text = re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", path.read_text())
    document = yaml.safe_load(text)
    assert isinstance(document, dict), f"{path.name} must be a mapping"
    return document


@cache
def load_compose() -> dict[str, Any]:
    return read_compose_file(COMPOSE_FILE)


def get_services() -> dict[str, dict[str, Any]]:
    return dict(load_compose()["services"])


def get_override_services(path: Path) -> dict[str, dict[str, Any]]:
    return dict(read_compose_file(path)["services"])


def get_environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


@cache
def get_cli_group() -> typer.core.TyperGroup:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    return group


def get_rollup_command(name: str) -> Any | None:
    """The click command of `rollup <name>`, or None if there is none."""
    return get_cli_group().commands.get(name)


def get_option_strings(command: Any) -> set[str]:
    return {
        opt
        for param in command.params
        for opt in (*param.opts, *getattr(param, "secondary_opts", ()))
    }


def read_dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#") or not (line or pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def get_dockerfile_arguments(keyword: str) -> list[str]:
    return [arguments for name, arguments in read_dockerfile_instructions() if name == keyword]


def get_image_entrypoint() -> list[str]:
    (entrypoint,) = get_dockerfile_arguments("ENTRYPOINT")[-1:]
    return list(json.loads(entrypoint))


def is_built_from_repository(service: dict[str, Any]) -> bool:
    build = service.get("build")
    context = build.get("context") if isinstance(build, dict) else build
    return context in (".", "./")


def as_argv(value: str | list[Any] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(value)
    return [str(item) for item in value]


def get_cli_argv(service: dict[str, Any]) -> list[str] | None:
    """The arguments after `rollup` if the service runs the CLI, else None."""
    if not is_built_from_repository(service):
        return None
    entrypoint = as_argv(service["entrypoint"]) if "entrypoint" in service else None
    if entrypoint is None:
        entrypoint = get_image_entrypoint()
    if entrypoint != ["rollup"]:
        return None
    return as_argv(service.get("command"))


def get_cli_services() -> list[str]:
    return [name for name, service in get_services().items() if get_cli_argv(service) is not None]


def require_cli_argv(name: str) -> list[str]:
    argv = get_cli_argv(get_services()[name])
    assert argv, f"service {name} runs `rollup` without a subcommand"
    return argv


def require_cli_command(name: str) -> tuple[Any, list[str]]:
    """The click command a service runs and its arguments."""
    subcommand, *arguments = require_cli_argv(name)
    command = get_rollup_command(subcommand)
    assert command is not None, f"service {name}: `rollup {subcommand}` is not a command"
    return command, arguments


def is_flag_option(command: Any | None, opt: str) -> bool:
    if command is None:
        return False
    for param in command.params:
        if opt in (*param.opts, *getattr(param, "secondary_opts", ())):
            return bool(getattr(param, "is_flag", False))
    return False


def get_option_values(name: str) -> dict[str, str]:
    """`--option value` pairs of a CLI service (flags map to ""); usable before a command exists."""
    subcommand, *arguments = require_cli_argv(name)
    command = get_rollup_command(subcommand)
    values: dict[str, str] = {}
    tokens = iter(arguments)
    for token in tokens:
        assert token.startswith("--"), f"service {name}: unexpected argument {token!r}"
        option, equals, inline = token.partition("=")
        if equals:
            values[option] = inline
        elif is_flag_option(command, option):
            values[option] = ""
        else:
            values[option] = next(tokens, "")
    return values


def get_healthcheck_argv(service: dict[str, Any]) -> list[str]:
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return shlex.split(test)
    kind, *argv = test
    return shlex.split(argv[0]) if kind == "CMD-SHELL" else [str(item) for item in argv]


def get_published_ports(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(host ip, host port, container port) of each published port."""
    published = []
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            host_ip = str(entry.get("host_ip", ""))
            host_port, target = str(entry.get("published", "")), str(entry["target"])
        else:
            parts = str(entry).split("/")[0].rsplit(":", 2)
            host_ip, host_port, target = ["", "", *parts][-3:]
        published.append((host_ip, host_port, target))
    return published


def get_volume_mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(source, target) of each mount; a named volume's source has no slash or dot prefix."""
    mounts = []
    for entry in service.get("volumes", []):
        if isinstance(entry, dict):
            mounts.append((str(entry.get("source", "")), str(entry["target"])))
        else:
            source, target, *_ = str(entry).split(":")
            mounts.append((source, target))
    return mounts


def is_named_volume(source: str) -> bool:
    return bool(source) and not source.startswith(("/", ".", "~", "$"))


def find_mount(service: dict[str, Any], path: str) -> tuple[str, str] | None:
    for source, target in get_volume_mounts(service):
        if PurePosixPath(path).is_relative_to(PurePosixPath(target)):
            return source, target
    return None


def get_dependencies(service: dict[str, Any]) -> dict[str, str]:
    """Dependency name -> condition (the short list form means service_started)."""
    depends_on = service.get("depends_on", {})
    if isinstance(depends_on, list):
        return dict.fromkeys(depends_on, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in depends_on.items()}


def is_one_shot(service: dict[str, Any]) -> bool:
    return str(service.get("restart", "no")) == "no" and bool(
        service.get("healthcheck", {}).get("disable")
    )


def get_postgres_environment() -> dict[str, str]:
    return get_environment(get_services()[POSTGRES_SERVICE])


def get_anvil_port() -> str:
    argv = as_argv(get_services()[ANVIL_SERVICE]["command"])
    return argv[argv.index("--port") + 1]


def get_l1_services() -> list[str]:
    return [name for name in get_cli_services() if "--l1-rpc" in require_cli_argv(name)]


def get_rpc_node_services() -> list[str]:
    return [name for name in get_cli_services() if "--port" in require_cli_argv(name)]


def load_healthcheck_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compose_healthcheck", HEALTHCHECK_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def json_rpc_server() -> Iterator[tuple[str, dict[str, Any]]]:
    """A local HTTP server answering every POST with `reply` (mutable by the test)."""
    reply: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "result": hex(ANVIL_CHAIN_ID)}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            body = json.dumps(reply if request.get("method") == "eth_chainId" else {}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", reply
    finally:
        server.shutdown()
        server.server_close()


# -- the compose file: the CLI it calls ----------------------------------------------------------


def test_compose_file_has_no_version_key() -> None:
    assert "version" not in load_compose()


def test_sequencer_verifier_and_deployer_run_the_rollup_cli() -> None:
    assert {"sequencer", "verifier", DEPLOYER_SERVICE} <= set(get_cli_services())


@pytest.mark.parametrize("name", get_cli_services())
def test_cli_service_runs_a_rollup_command(name: str) -> None:
    command, _ = require_cli_command(name)
    assert command.name == require_cli_argv(name)[0]


@pytest.mark.parametrize("name", get_cli_services())
def test_cli_service_passes_only_options_of_its_command(name: str) -> None:
    command, _ = require_cli_command(name)
    unknown = set(get_option_values(name)) - get_option_strings(command)
    assert not unknown, f"service {name}: `rollup {command.name}` has no option {sorted(unknown)}"


@pytest.mark.parametrize("name", get_cli_services())
def test_cli_service_arguments_parse_as_its_command_would(name: str) -> None:
    command, arguments = require_cli_command(name)
    try:
        command.make_context(f"rollup {command.name}", list(arguments))
    except typer.TyperException as exc:
        pytest.fail(f"service {name}: {exc}")


# -- the compose file: ports and URLs agree --------------------------------------------------------


def test_anvil_listens_on_all_interfaces_on_its_published_port() -> None:
    anvil = get_services()[ANVIL_SERVICE]
    assert "--host" not in as_argv(anvil["command"])  # ANVIL_IP_ADDR, which an override can set
    assert get_environment(anvil)["ANVIL_IP_ADDR"] == "0.0.0.0"
    published = get_published_ports(get_override_services(BRIDGE_OVERRIDE_FILE)[ANVIL_SERVICE])
    assert [target for _, _, target in published] == [get_anvil_port()]


def test_anvil_mines_on_an_interval_with_the_devnet_chain_id() -> None:
    argv = as_argv(get_services()[ANVIL_SERVICE]["command"])
    assert argv[argv.index("--block-time") + 1] == "1"
    assert argv[argv.index("--chain-id") + 1] == str(ANVIL_CHAIN_ID)


def test_anvil_healthcheck_asks_anvils_port_for_anvils_chain_id() -> None:
    argv = get_healthcheck_argv(get_services()[ANVIL_SERVICE])
    assert f"http://127.0.0.1:{get_anvil_port()}" in argv
    assert str(ANVIL_CHAIN_ID) in argv


@pytest.mark.skipif(not NATIVE_ANVILS, reason="anvil is not installed (npm ci)")
def test_anvil_flags_are_options_of_anvil() -> None:
    help_text = subprocess.run(
        [str(NATIVE_ANVILS[0]), "--help"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    flags = [token for token in as_argv(get_services()[ANVIL_SERVICE]["command"]) if "--" in token]
    assert flags
    for flag in flags:
        assert f"{flag} " in help_text or f"{flag}=" in help_text, f"anvil has no {flag}"


def test_anvil_entrypoint_is_installed_on_the_image_path() -> None:
    (executable,) = as_argv(get_services()[ANVIL_SERVICE]["entrypoint"])
    assert any(
        f"/usr/local/bin/{executable}" in arguments for arguments in get_dockerfile_arguments("RUN")
    )


@pytest.mark.parametrize("name", get_l1_services())
def test_l1_rpc_is_anvil_by_service_name_and_port(name: str) -> None:
    assert get_option_values(name)["--l1-rpc"] == f"http://{ANVIL_SERVICE}:{get_anvil_port()}"


def test_deployer_uses_anvil_as_its_l1() -> None:
    assert DEPLOYER_SERVICE in get_l1_services()


@pytest.mark.parametrize("name", get_rpc_node_services())
def test_node_listens_on_all_interfaces(name: str) -> None:
    assert "--host" not in get_option_values(name)  # ROLLUP_HOST, which an override can set
    assert get_environment(get_services()[name])["ROLLUP_HOST"] == "0.0.0.0"


@pytest.mark.parametrize("name", get_rpc_node_services())
def test_node_host_option_reads_rollup_host_from_the_environment(name: str) -> None:
    command, _ = require_cli_command(name)
    (host,) = [param for param in command.params if "--host" in param.opts]
    assert host.envvar == "ROLLUP_HOST"


@pytest.mark.parametrize("name", get_rpc_node_services())
def test_node_ports_are_the_published_container_ports(name: str) -> None:
    options = get_option_values(name)
    published = get_published_ports(get_override_services(BRIDGE_OVERRIDE_FILE)[name])
    assert [target for _, _, target in published] == [options["--port"], options["--metrics-port"]]


@pytest.mark.parametrize("name", get_rpc_node_services())
def test_node_healthcheck_asks_the_nodes_own_port(name: str) -> None:
    port = get_option_values(name)["--port"]
    assert f"http://127.0.0.1:{port}" in get_healthcheck_argv(get_services()[name])


def test_sequencer_and_verifier_serve_distinct_ports() -> None:
    ports = [get_option_values(name)["--port"] for name in ("sequencer", "verifier")]
    assert len(set(ports)) == 2


def test_sequencer_database_is_the_postgres_service() -> None:
    url = urlsplit(get_option_values("sequencer")["--db-url"])
    environment = get_postgres_environment()
    assert url.scheme == "postgresql+psycopg2"
    assert (url.hostname, url.port) == (POSTGRES_SERVICE, POSTGRES_PORT)
    assert url.path.lstrip("/") == environment["POSTGRES_DB"]
    assert url.username == environment["POSTGRES_USER"]
    assert url.password == environment["POSTGRES_PASSWORD"]


def test_postgres_healthcheck_asks_pg_isready_for_the_database_and_user() -> None:
    argv = get_healthcheck_argv(get_services()[POSTGRES_SERVICE])
    environment = get_postgres_environment()
    assert argv[0] == "pg_isready"
    assert argv[argv.index("-U") + 1] == environment["POSTGRES_USER"]
    assert argv[argv.index("-d") + 1] == environment["POSTGRES_DB"]


def test_postgres_keeps_its_data_on_a_named_volume() -> None:
    mount = find_mount(get_services()[POSTGRES_SERVICE], "/var/lib/postgresql/data")
    assert mount is not None and is_named_volume(mount[0])


def test_sequencer_keys_are_the_dev_keys_the_deployment_authorizes() -> None:
    options = get_option_values("sequencer")
    assert bytes.fromhex(options["--batcher-key"].removeprefix("0x")) == L1_BATCHER_KEY
    assert bytes.fromhex(options["--proposer-key"].removeprefix("0x")) == L1_PROPOSER_KEY


# -- the compose file: volumes and files -----------------------------------------------------------


@pytest.mark.parametrize("name", get_cli_services())
def test_path_options_live_on_named_volumes(name: str) -> None:
    service = get_services()[name]
    for option, value in get_option_values(name).items():
        if option in PATH_OPTIONS:
            mount = find_mount(service, value)
            assert mount is not None, f"service {name}: {option} {value} is on no volume"
            assert is_named_volume(mount[0]), f"service {name}: {option} {value} is a bind mount"


@pytest.mark.parametrize("option", ["--genesis", "--deployment"])
def test_nodes_read_the_files_the_deployer_writes(option: str) -> None:
    services = get_services()
    out_dir = get_option_values(DEPLOYER_SERVICE)["--out-dir"]
    written = find_mount(services[DEPLOYER_SERVICE], out_dir)
    file_name = {"--genesis": "genesis.json", "--deployment": "deployment.json"}[option]
    for name in ("sequencer", "verifier"):
        path = get_option_values(name)[option]
        assert PurePosixPath(path).name == file_name
        read = find_mount(services[name], path)
        assert read is not None and written is not None
        assert read[0] == written[0], f"{name} reads {path} from another volume than deployer's"
        assert PurePosixPath(path).parent.relative_to(read[1]) == PurePosixPath(
            out_dir
        ).relative_to(written[1])


def test_every_named_volume_used_is_declared() -> None:
    declared = set(load_compose().get("volumes") or {})
    used = {
        source
        for service in get_services().values()
        for source, _ in get_volume_mounts(service)
        if is_named_volume(source)
    }
    assert used <= declared, f"undeclared volumes: {sorted(used - declared)}"


def test_nodes_have_separate_data_volumes() -> None:
    services = get_services()
    sources = [
        find_mount(services[name], get_option_values(name)["--data-dir"])
        for name in ("sequencer", "verifier")
    ]
    assert None not in sources
    assert len({mount[0] for mount in sources if mount is not None}) == 2


# -- the compose file: start-up order and health -------------------------------------------------


def test_depends_on_graph_is_acyclic() -> None:
    services = get_services()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"dependency cycle: {' -> '.join((*path, name))}"
        if name in done:
            return
        for dependency in get_dependencies(services.get(name, {})):
            visit(dependency, (*path, name))
        done.add(name)

    for name in services:
        visit(name, ())


def test_every_dependency_is_a_service() -> None:
    services = get_services()
    for name, service in services.items():
        missing = set(get_dependencies(service)) - set(services)
        assert not missing, f"{name} depends on unknown services {sorted(missing)}"


def test_dependency_conditions_wait_for_health_or_completion() -> None:
    services = get_services()
    for name, service in services.items():
        for dependency, condition in get_dependencies(service).items():
            expected = (
                ONE_SHOT_CONDITION if is_one_shot(services[dependency]) else LONG_RUNNING_CONDITION
            )
            assert condition == expected, f"{name} -> {dependency}: {condition}, not {expected}"


def test_services_reading_shared_files_wait_for_the_deployer() -> None:
    out_dir = get_option_values(DEPLOYER_SERVICE)["--out-dir"]
    for name in get_cli_services():
        if name == DEPLOYER_SERVICE:
            continue
        if any(value.startswith(out_dir) for value in get_option_values(name).values()):
            condition = get_dependencies(get_services()[name]).get(DEPLOYER_SERVICE)
            assert condition == ONE_SHOT_CONDITION, f"{name} does not wait for the deployer"


def test_sequencer_waits_for_postgres() -> None:
    assert get_dependencies(get_services()["sequencer"]).get(POSTGRES_SERVICE) == (
        LONG_RUNNING_CONDITION
    )


@pytest.mark.parametrize("name", get_l1_services())
def test_l1_services_wait_for_anvil(name: str) -> None:
    assert get_dependencies(get_services()[name]).get(ANVIL_SERVICE) == LONG_RUNNING_CONDITION


def test_deployer_runs_once() -> None:
    deployer = get_services()[DEPLOYER_SERVICE]
    assert deployer.get("restart") == "no"
    assert is_one_shot(deployer)


@pytest.mark.parametrize(
    "name", [name for name in get_services() if not is_one_shot(get_services()[name])]
)
def test_long_running_service_has_a_healthcheck(name: str) -> None:
    healthcheck = get_services()[name].get("healthcheck", {})
    assert not healthcheck.get("disable")
    assert get_healthcheck_argv(get_services()[name])


def test_healthcheck_scripts_exist_in_the_image() -> None:
    workdir = PurePosixPath(get_dockerfile_arguments("WORKDIR")[-1])
    for name, service in get_services().items():
        if not is_built_from_repository(service) or is_one_shot(service):
            continue
        for token in get_healthcheck_argv(service):
            if token.startswith(f"{workdir}/"):
                relative = PurePosixPath(token).relative_to(workdir)
                assert (REPO_ROOT / relative).is_file(), f"{name}: {token} is not in the image"


def test_published_ports_bind_localhost_only() -> None:
    for path in (COMPOSE_FILE, BRIDGE_OVERRIDE_FILE):
        for name, service in get_override_services(path).items():
            for host_ip, host_port, target in get_published_ports(service):
                assert host_ip == "127.0.0.1", f"{name} publishes {host_port}:{target} on all hosts"


def test_base_file_publishes_no_ports() -> None:
    # docker-py refuses published ports on the host network: they live in the bridge override.
    assert not [name for name, service in get_services().items() if "ports" in service]


# -- the host-network override -------------------------------------------------------------------


def test_host_override_puts_every_service_on_the_host_network() -> None:
    overrides = get_override_services(HOST_OVERRIDE_FILE)
    assert set(overrides) == set(get_services())
    assert {
        name: service.get("network_mode") for name, service in overrides.items()
    } == dict.fromkeys(overrides, "host")


def test_host_override_resolves_the_service_names_in_urls_to_localhost() -> None:
    for name, service in get_override_services(HOST_OVERRIDE_FILE).items():
        assert set(service["extra_hosts"]) == {
            f"{ANVIL_SERVICE}:127.0.0.1",
            f"{POSTGRES_SERVICE}:127.0.0.1",
        }, name


def test_host_override_listens_on_localhost_only() -> None:
    overrides = get_override_services(HOST_OVERRIDE_FILE)
    assert get_environment(overrides[ANVIL_SERVICE])["ANVIL_IP_ADDR"] == "127.0.0.1"
    assert get_environment(overrides[POSTGRES_SERVICE])["POSTGRES_LISTEN_ADDRESS"] == "127.0.0.1"
    for name in get_rpc_node_services():
        assert get_environment(overrides[name])["ROLLUP_HOST"] == "127.0.0.1"


def test_host_override_builds_on_the_debian_base_image() -> None:
    script = (REPO_ROOT / "docker" / "build-images.sh").read_text()
    for name, service in get_override_services(HOST_OVERRIDE_FILE).items():
        if name == POSTGRES_SERVICE:
            assert service["image"] == "defi-rollup:dev"
            continue
        base = service["build"]["args"]["BASE_IMAGE"]
        assert base == "defi-rollup-base:bookworm", name
        assert 'BASE_TAG="defi-rollup-base:${SUITE}"' in script and "SUITE=bookworm" in script


# -- the healthcheck script ----------------------------------------------------------------------


def test_healthcheck_passes_when_the_endpoint_answers_a_chain_id(
    json_rpc_server: tuple[str, dict[str, Any]],
) -> None:
    url, _ = json_rpc_server
    assert load_healthcheck_module().main(["healthcheck.py", url, str(ANVIL_CHAIN_ID)]) == 0


def test_healthcheck_fails_on_another_chain_id(
    json_rpc_server: tuple[str, dict[str, Any]],
) -> None:
    url, _ = json_rpc_server
    assert load_healthcheck_module().main(["healthcheck.py", url, "1"]) == 1


def test_healthcheck_fails_on_a_json_rpc_error(
    json_rpc_server: tuple[str, dict[str, Any]],
) -> None:
    url, reply = json_rpc_server
    reply.pop("result")
    reply["error"] = {"code": -32603, "message": "starting"}
    assert load_healthcheck_module().main(["healthcheck.py", url]) == 1


def test_healthcheck_fails_when_nothing_listens() -> None:
    with refusing_port() as port:
        assert load_healthcheck_module().main(["healthcheck.py", f"http://127.0.0.1:{port}"]) == 1


@contextlib.contextmanager
def refusing_port() -> Iterator[int]:
    """A port on 127.0.0.1, bound but not listening, so connections to it are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


# -- the Dockerfile and .dockerignore ------------------------------------------------------------


def test_image_is_based_on_python_311_slim_unless_told_otherwise() -> None:
    (base,) = get_dockerfile_arguments("FROM")
    assert base == "${BASE_IMAGE}"
    assert get_dockerfile_arguments("ARG")[0] == "BASE_IMAGE=python:3.11-slim"


def test_image_has_a_json_rpc_healthcheck() -> None:
    (healthcheck,) = get_dockerfile_arguments("HEALTHCHECK")
    assert "CMD" in healthcheck
    script = HEALTHCHECK_SCRIPT.read_text() if "healthcheck.py" in healthcheck else healthcheck
    assert "eth_chainId" in script
    assert "POST" in script


def test_image_runs_as_a_non_root_user() -> None:
    users = get_dockerfile_arguments("USER")
    assert users, "no USER instruction: the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_image_entrypoint_is_rollup() -> None:
    assert get_image_entrypoint() == ["rollup"]


def test_image_exposes_the_rpc_ports() -> None:
    exposed = {
        port for arguments in get_dockerfile_arguments("EXPOSE") for port in arguments.split()
    }
    assert {"8545", "8546", "8547"} <= exposed


def test_image_installs_the_npm_toolchain_from_the_lockfile() -> None:
    instructions = read_dockerfile_instructions()
    copied_lockfile = next(
        index
        for index, (name, arguments) in enumerate(instructions)
        if name == "COPY" and "package-lock.json" in arguments.split()
    )
    installed = next(
        index
        for index, (name, arguments) in enumerate(instructions)
        if name == "RUN" and "npm ci" in arguments
    )
    assert copied_lockfile < installed


def test_image_installs_the_project_without_dev_extras() -> None:
    runs = " ".join(get_dockerfile_arguments("RUN"))
    assert '["project"]["dependencies"]' in runs
    assert "pip install --no-deps ." in runs
    assert "[dev]" not in runs


def test_image_builds_the_contract_artifacts() -> None:
    assert any(
        "cd contracts && tools/forge build" in arguments
        for arguments in get_dockerfile_arguments("RUN")
    )


def test_image_points_the_installed_node_at_the_built_artifacts() -> None:
    environment = " ".join(get_dockerfile_arguments("ENV"))
    assert "ROLLUP_CONTRACTS_OUT=/app/contracts/out" in environment


@pytest.mark.parametrize(
    "pattern", [".git", ".venv", "node_modules", "contracts/out", "contracts/cache"]
)
def test_dockerignore_keeps_host_toolchains_and_build_outputs_out(pattern: str) -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert pattern in patterns
