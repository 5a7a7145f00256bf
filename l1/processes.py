"""Local processes and ports: what the devnet's anvil, the e2e tests and the benchmark need to start
servers on 127.0.0.1 and to stop, or measure, exactly the processes they started (psutil)."""

from __future__ import annotations

import socket

import psutil


def find_free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_descendants(pid: int) -> list[int]:
    """Every descendant of `pid` (children, their children, ...); [] if it is gone."""
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def read_start_time(pid: int) -> float | None:
    """When process `pid` started (seconds since the epoch), or None if it is gone: with the pid,
    it names one process, even after the pid is reused."""
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None


def is_process_alive(pid: int) -> bool:
    """True if the process exists and is not a zombie (a zombie has exited; only its entry
    remains until its parent reaps it)."""
    try:
        return psutil.Process(pid).status() not in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
    except psutil.Error:
        return False


def measure_process_tree(pid: int, include_root: bool = True) -> tuple[float, float]:
    """(resident MiB, CPU seconds) of a process and all its descendants (or only those)."""
    try:
        root = psutil.Process(pid)
        members = root.children(recursive=True)
    except psutil.Error:
        return 0.0, 0.0
    if include_root:
        members.insert(0, root)
    rss = 0
    cpu = 0.0
    for member in members:
        try:
            with member.oneshot():
                rss += member.memory_info().rss
                times = member.cpu_times()
                cpu += times.user + times.system
        except psutil.Error:
            continue  # exited meanwhile
    return rss / (1024 * 1024), cpu
