"""Profiling the node under the benchmark's load with py-spy (sampling, from outside the process).

py-spy attaches to the running node and to its signature-recovery workers (--subprocesses), so the
node runs unchanged; idle threads (waiting in epoll, on a lock) are not sampled, so the figures are
where the CPU goes. The raw output is folded stacks, one line per distinct stack with its sample
count, from which this module sums each function's own samples and its inclusive samples.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

PROFILE_RATE = 250  # samples per second
FRAME = re.compile(r"^(?P<function>.+?) \((?P<file>[^()]*?)(?::\d+)?\)$")
PROJECT_PARTS = ("rollup/", "l1/", "node/", "sequencer/", "prover/", "faults/")
# Leaf frames of threads that wait (py-spy counts a waiting thread as busy when the machine is
# loaded and the wake-up has not run yet): left out of every figure.
IDLE_LEAVES = (
    "select (selectors.py)",
    "wait (threading.py)",
    "_recv (multiprocessing/connection.py)",
    "_poll (multiprocessing/connection.py)",
    "accept (socket.py)",
    "_worker (concurrent/futures/thread.py)",  # a pool thread waiting for work
)


class ProfilerUnavailable(RuntimeError):
    """py-spy is not installed or cannot attach."""


def find_py_spy() -> str:
    candidate = Path(sys.executable).with_name("py-spy")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("py-spy")
    if found is None:
        raise ProfilerUnavailable("py-spy is not installed (pip install -e .[dev])")
    return found


def start_profiler(pid: int, output: Path) -> subprocess.Popen[bytes]:
    """Start sampling `pid` and its child processes into `output` (folded stacks)."""
    command = [
        find_py_spy(),
        "record",
        "--pid",
        str(pid),
        "--subprocesses",
        "--rate",
        str(PROFILE_RATE),
        "--format",
        "raw",
        "--output",
        str(output),
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop_profiler(process: subprocess.Popen[bytes]) -> None:
    """Stop sampling (py-spy writes its output on SIGINT)."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True, slots=True)
class ProfileSummary:
    samples: int
    main_samples: int  # the node's own process (event loop, block building)
    worker_samples: int  # signature-recovery workers
    top_self: list[tuple[str, int]]  # function -> samples with it on top of the stack
    top_inclusive: list[tuple[str, int]]  # project functions -> samples with it on the stack


def parse_frame(frame: str) -> str:
    """'function (path/to/file.py:123)' -> 'function (to/file.py)'; other frames unchanged."""
    match = FRAME.match(frame)
    if match is None:
        return frame
    path = match.group("file")
    for part in PROJECT_PARTS:
        index = path.rfind("/" + part)
        if index >= 0:
            path = path[index + 1 :]
            break
    else:
        path = "/".join(path.split("/")[-2:])
    return f"{match.group('function')} ({path})"


def summarize_profile(path: Path, top: int = 15) -> ProfileSummary:
    """Own and inclusive samples per function from py-spy's folded stacks."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = main = workers = 0
    text = path.read_text(errors="replace")
    # Process frames carry command lines, which may hold newlines: split on the count at the end.
    for match in re.finditer(r"(?s)(.*?) (\d+)\n", text):
        stack_text, count_text = match.group(1), match.group(2)
        count = int(count_text)
        frames = [frame for frame in stack_text.split(";") if frame]
        code_frames = [frame for frame in frames if not frame.startswith("process ")]
        if not code_frames or parse_frame(code_frames[-1]).endswith(IDLE_LEAVES):
            continue
        total += count
        if "multiprocessing" in stack_text and "_process_worker" in stack_text:
            workers += count
        else:
            main += count
        own[parse_frame(code_frames[-1])] += count
        for name in {parse_frame(frame) for frame in code_frames}:
            if any(f"({part}" in name for part in PROJECT_PARTS):
                inclusive[name] += count
    return ProfileSummary(
        samples=total,
        main_samples=main,
        worker_samples=workers,
        top_self=own.most_common(top),
        top_inclusive=inclusive.most_common(top),
    )
