"""A Docker engine and docker compose for the compose end-to-end test, leaving the machine as found.

The engine already running is used as it is. Otherwise Debian's dockerd is started with
`--bridge=none` (no bridge network, so nothing takes the docker bridge's private range; every
container uses the host's network) and stopped by its pid afterwards. Images are built by
docker/build-images.sh; those the test built are removed at the end, the base root file system
stays cached on disk for the next run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.polling import wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
ENGINE_START_TIMEOUT = 60.0
ENGINE_STOP_TIMEOUT = 60.0


def run(
    args: Sequence[str], timeout: float, check: bool = True
) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        list(args), capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT
    )
    if check and completed.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} exited {completed.returncode}:\n"
            f"{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
        )
    return completed


def engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    return (
        run(["docker", "info", "--format", "{{.ServerVersion}}"], 30, check=False).returncode == 0
    )


@contextmanager
def docker_engine() -> Iterator[None]:
    """A running Docker engine for the duration; one started here is stopped here."""
    if engine_answers():
        yield
        return
    dockerd = shutil.which("dockerd") or "/usr/sbin/dockerd"
    if not Path(dockerd).exists() or shutil.which("docker") is None:
        raise AssertionError(
            "no Docker engine: install Debian's docker.io and docker-compose "
            "(scripts/setup.sh does) or start dockerd"
        )
    log = tempfile.NamedTemporaryFile(prefix="dockerd-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [dockerd, "--bridge=none", "--iptables=false", "--ip-masq=false"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:

        def up() -> bool:
            assert process.poll() is None, Path(log.name).read_text()[-4000:]
            return engine_answers()

        wait_for(up, ENGINE_START_TIMEOUT, "dockerd to answer", interval=0.5)
        yield
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=ENGINE_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()
        os.unlink(log.name)


def find_compose() -> list[str]:
    """`docker compose` (v2) where the plugin is installed, else Debian's `docker-compose` (v1)."""
    if run(["docker", "compose", "version"], 30, check=False).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose") is not None:
        return ["docker-compose"]
    raise AssertionError("docker compose is missing: install Debian's docker-compose")


def list_image_ids(tag: str) -> str | None:
    completed = run(["docker", "image", "inspect", "--format", "{{.Id}}", tag], 30, check=False)
    return completed.stdout.strip() if completed.returncode == 0 else None


@dataclass
class Images:
    """The images docker/build-images.sh makes; `built` are those that did not exist before."""

    tags: list[str]
    built: list[str] = field(default_factory=list)


@contextmanager
def built_images(timeout: float) -> Iterator[Images]:
    """Build the base and rollup images; remove, afterwards, those that were not there before."""
    script = REPO_ROOT / "docker" / "build-images.sh"
    tags = run(["bash", str(script), "--print-tags"], 30).stdout.split()
    images = Images(tags, [tag for tag in tags if list_image_ids(tag) is None])
    try:
        run(["bash", str(script)], timeout)
        yield images
    finally:
        # The rollup image first: the base is its parent.
        for tag in reversed(images.built):
            run(["docker", "image", "rm", "--force", tag], 120, check=False)


@dataclass
class Compose:
    """docker compose on the repository's files, as one project."""

    command: list[str]
    files: list[str]
    project: str
    env: dict[str, str] = field(default_factory=dict)

    def args(self, *args: str) -> list[str]:
        files = [arg for name in self.files for arg in ("-f", name)]
        return [*self.command, *files, "-p", self.project, *args]

    def __call__(
        self,
        *args: str,
        timeout: float = 300,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run(
            self.args(*args),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO_ROOT,
            env={**os.environ, **self.env, **(env or {})},
        )
        if check and completed.returncode != 0:
            raise AssertionError(
                f"{' '.join(self.args(*args))} exited {completed.returncode}:\n"
                f"{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
            )
        return completed

    def container_id(self, service: str) -> str:
        ids = self("ps", "-a", "-q", service).stdout.split()
        assert len(ids) == 1, f"{service}: containers {ids}"
        return ids[0]

    def state(self, service: str) -> str:
        """'healthy', 'starting', 'unhealthy', or for a service without a health check its status
        ('running', 'exited', ...)."""
        template = "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}"
        return run(
            ["docker", "inspect", "--format", template, self.container_id(service)], 30
        ).stdout.strip()

    def exit_code(self, service: str) -> int:
        template = "{{.State.ExitCode}}"
        return int(
            run(["docker", "inspect", "--format", template, self.container_id(service)], 30).stdout
        )

    def logs(self, service: str) -> str:
        completed = self("logs", "--no-color", service, timeout=60)
        return completed.stdout + completed.stderr
