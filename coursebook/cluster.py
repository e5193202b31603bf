"""Where chapters run: one function executes a chapter, one runs many of them on Dask.

Every command that executes chapters (``python -m coursebook.build execute``,
``python -m coursebook.robustness``) goes through this module:

- ``execute_chapter`` runs one chapter notebook in a kernel of its own, with
  the environment it is given (profile, base seed, backend, data folder,
  ``COURSE_CHECKS=strict``), and returns the executed notebook, its seconds
  and where it ran (host, Dask worker, device, library versions, and the
  fingerprint of the ``helpers`` that worker's Python imports).  It runs
  inside a Dask worker process, so the kernel is that worker's child.
- ``run_chapters`` submits a set of ``Task`` s (chapter, profile, base seed)
  to a Dask ``Client`` and hands each result to the caller as it arrives, in
  the caller's own thread: whatever the caller stores (the execution cache,
  a robustness record) is written one result at a time.  Before a result is
  handed over, the worker that made it must run the client's ``helpers`` and
  library versions; otherwise it is refused (``WorkerMismatch``).
- ``connect`` gives that client: by default an embedded ``LocalCluster``
  (``jobs`` worker processes, one thread each; nothing to start), or a running
  scheduler (``--scheduler``, ``--scheduler-file``), or workers started
  through a batch system (``--cluster slurm|pbs``, by ``dask-jobqueue``, its
  settings from Dask's own configuration).

A worker that dies mid-chapter (killed, out of memory) is replaced by Dask and
the chapter runs again elsewhere; after Dask's ``allowed-failures`` such deaths
it is reported as lost, in words distinct from a chapter whose check failed.
Ctrl-C (or the first failure, where the caller stops on it) sets a Dask
``Event`` that every running chapter watches: its kernel is killed, the
chapters not started are cancelled, and the results already handed over stay
stored.

Workers need the course's environment (``requirements.txt`` with this
checkout's ``helpers`` installed, ``pip install -e .``) and the datasets; the
functions here are shipped to them by value, so they need no copy of
``coursebook``.
"""

from __future__ import annotations

from helpers.curves import PUBLISHED_CURVES_FILE
from helpers.records import PUBLISHED_FILE, installed_version

import argparse
import ast
import copy
import hashlib
import os
import platform
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

# Libraries whose versions decide a chapter's numbers: a worker must run the client's.
LIBRARIES = ("keras", "jax", "jaxlib", "tensorflow", "numpy")
# What a chapter's kernel inherits from the command that asked for it (the rest is the worker's own).
PASSED_VARIABLES = ("KERAS_BACKEND", "COURSE_DATA_DIR", "COURSE_BASE_SEED")
# JAX takes 75% of a GPU's memory when it starts unless told not to; a shared GPU needs it to take what it uses.
GPU_VARIABLES = {"XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
# What Dask's nanny sets (distributed.nanny.pre-spawn-environ, and a fixed hash seed) in its own process and
# its workers' before starting them: right for Dask's threads, wrong for a chapter's kernel, which must run as
# a kernel started on this machine by Jupyter would.  Measured: with them, the quick book's chapters ran 25 to
# 30% slower.  A kernel gets none of them unless the command that asked for the chapter had set it itself.
DASK_NANNY_VARIABLES = {
    "MALLOC_TRIM_THRESHOLD_": "65536",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "PYTHONHASHSEED": "6640",
}
# This process's own values of those, read before any nanny of ours could change them.
_OWN_VARIABLES = {name: os.environ[name] for name in DASK_NANNY_VARIABLES if name in os.environ}


class ChapterFailed(RuntimeError):
    """A chapter raised while executing; the message holds its error."""


class ChapterLost(RuntimeError):
    """No result for a chapter: the workers running it died, again and again (not a failed check)."""


class WorkerMismatch(RuntimeError):
    """A worker runs other ``helpers`` or other library versions than the client: its results would not be ours."""


@dataclass(frozen=True)
class Task:
    """One chapter to execute: its path relative to the book's root, the profile and (optionally) a base seed."""

    chapter: str
    profile: str
    base: int | None = None

    @property
    def label(self) -> str:
        return self.chapter if self.base is None else f"{self.chapter}, base {self.base}"


# --------------------------------------------------------------------------
# On the worker
# --------------------------------------------------------------------------


# Files of a package that change no chapter's output.
NOT_CONTENTS = (PUBLISHED_FILE, PUBLISHED_CURVES_FILE)


def _code_only(source: bytes) -> bytes:
    """A Python file's syntax tree without its docstrings (comments never reach it).

    A record's helpers fingerprint should move when what the chapters run
    moves, not when a docstring is reworded.  A file that does not parse
    counts byte for byte.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False).encode()


def package_fingerprint(package: Path, leave_out: tuple[str, ...] = ()) -> str:
    """12 hex digits that change whenever what the package runs changes.

    Python files count by their syntax tree less docstrings, so comments,
    docstrings and layout do not move it.  Python's byte-code caches are not
    contents, and neither is the record of what the published book measured
    (``published_checks.json``, ``published_curves.json``): written from the
    robustness runs, shown only beside a student's run.  ``leave_out``: top
    folders of the package that do not count either.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(package).rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc" or path.name in NOT_CONTENTS:
            continue
        if path.relative_to(package).parts[0] in leave_out:
            continue
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(b"\0")
        contents = path.read_bytes()
        digest.update(_code_only(contents) if path.suffix == ".py" else contents)
    return digest.hexdigest()[:12]


def identity(dask_worker: Any = None) -> dict[str, Any]:
    """This process as a place where chapters run: host, worker, machine, library versions, ``helpers``.

    Reads versions from the installed packages' metadata and fingerprints the
    ``helpers`` folder this Python would import, without importing any
    deep-learning library (a client calls it too).  ``dask_worker``: the
    worker, as ``Client.run`` passes it (inside a task it is found alone).
    """
    from importlib.util import find_spec

    spec = find_spec("helpers")
    folder = Path(next(iter(spec.submodule_search_locations))) if spec and spec.submodule_search_locations else None
    worker, resources = "this process", {}
    try:
        from distributed import get_worker

        current = dask_worker or get_worker()
        worker, resources = current.address, dict(current.state.total_resources)
    except (ImportError, ValueError):  # not inside a Dask worker
        pass
    return {
        "host": socket.gethostname(),
        "worker": worker,
        "pid": os.getpid(),
        "machine": machine_description(),
        "resources": resources,
        "python": platform.python_version(),
        "versions": {name: installed_version(name) for name in LIBRARIES},
        "helpers": package_fingerprint(folder) if folder else "not installed",
    }


def machine_description(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The processor in words, so that records from two hosts can be told apart.

    ``"x86_64, AMD EPYC, 2 CPU cores, flags 3f9a2c"``: the model name and a short hash of the instruction-set
    flags (two hosts with one model name may still differ in, say, AVX-512, which changes a compiled kernel's
    rounding, and so the last digits of a result).  Where ``/proc/cpuinfo`` is not there, the architecture and
    the core count only.
    """
    described = [platform.machine()]
    try:
        fields = dict(
            (key.strip(), value.strip())
            for key, _, value in (line.partition(":") for line in cpuinfo.read_text().splitlines())
            if value
        )
    except OSError:
        fields = {}
    if fields.get("model name"):
        described.append(fields["model name"])
    described.append(f"{os.cpu_count()} CPU cores")
    if fields.get("flags"):
        flags = " ".join(sorted(fields["flags"].split()))
        described.append(f"flags {hashlib.sha1(flags.encode()).hexdigest()[:6]}")
    return ", ".join(described)


def _gpu_name() -> str:
    """The first GPU's name as ``nvidia-smi`` gives it, or ``""``."""
    try:
        found = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return found.stdout.strip().splitlines()[0] if found.returncode == 0 and found.stdout.strip() else ""


def records_in(nb: nbformat.NotebookNode, kind: str) -> list[dict[str, Any]]:
    """The records of one kind (``"run"``, ``"check"``) an executed notebook's outputs carry, in order."""
    from helpers import records

    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            found.extend(
                data for what, data in records.parse("".join(html) if isinstance(html, list) else html) if what == kind
            )
    return found


def where_it_ran(nb: nbformat.NotebookNode, backend: str, worker: str | None = None) -> dict[str, Any]:
    """This process as the place ``nb`` was executed (``identity()``), with the device the chapter reported.

    ``worker`` names the runner where it is not a Dask worker (``"nbval"``).
    """
    where = identity()
    if worker:
        where["worker"] = worker
    runs = records_in(nb, "run")
    device = str(runs[0].get("device", "CPU")) if runs else ("GPU" if where["resources"].get("GPU") else "CPU")
    where["device"] = device if device == "CPU" else f"GPU {_gpu_name()}".strip()
    where["backend"] = backend
    return where


def execute_chapter(
    notebook: str, env: dict[str, str], workdir: str, timeout: int, stop: str | None = None
) -> dict[str, Any]:
    """Execute one chapter (``notebook``: its JSON) in a kernel of its own; runs on a worker.

    The kernel runs in ``workdir`` when this machine has it (a shared or the
    same checkout), else in a temporary folder; its environment is this
    process's with ``env`` on top.  ``env``'s data folder gives way to the
    worker's own ``COURSE_DATA_DIR`` where this machine lacks it.  ``stop``
    names a Dask ``Event``: once it is set the kernel is killed.  A kernel that
    dies or hangs while starting, before any cell ran, is started once more.

    Returns:
        ``notebook`` (the source's cells and metadata with the
        outputs); ``finished``; ``error`` (one line) and ``detail`` (the end of
        the traceback) when a cell raised; ``stopped`` when ``stop`` ended it;
        ``started`` (this machine's clock when the task began, before the
        kernel starts); ``seconds``; ``where`` (``identity()`` plus ``device``).
    """
    import signal

    began = time.time()
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    source = nbformat.reads(notebook, as_version=4)
    kernel_env = {**os.environ, **env}
    for name, value in DASK_NANNY_VARIABLES.items():
        if name not in env and kernel_env.get(name) == value:
            del kernel_env[name]  # set by the worker's nanny, not by whoever started the worker
    data = env.get("COURSE_DATA_DIR")
    if data and not os.path.isdir(data) and os.environ.get("COURSE_DATA_DIR"):
        kernel_env["COURSE_DATA_DIR"] = os.environ["COURSE_DATA_DIR"]  # this worker keeps the data elsewhere
    if identity()["resources"].get("GPU"):
        kernel_env = {**GPU_VARIABLES, **kernel_env}
    scratch = None if os.path.isdir(workdir) else tempfile.TemporaryDirectory(prefix="course-chapter-")
    ready = threading.Event()  # the kernel answered: from here on, cells run

    def new_client() -> tuple[nbformat.NotebookNode, NotebookClient]:
        copied = copy.deepcopy(source)
        made = NotebookClient(
            copied,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": scratch.name if scratch else workdir}},
        )
        made.on_notebook_start = lambda **_: ready.set()
        return copied, made

    executed, client = new_client()
    finished = threading.Event()
    stopped = threading.Event()

    def watch(event: Any) -> None:
        """Kill this chapter's kernel (this process's child, by its pid) once ``event`` is set."""
        while not finished.wait(1.0):
            try:
                if not event.is_set():
                    continue
            except Exception:  # the worker is closing (its client is gone): its kernels go with it
                return
            provisioner = getattr(getattr(client, "km", None), "provisioner", None)
            pid = getattr(provisioner, "pid", None)
            if pid:  # else the kernel is still starting: look again
                stopped.set()
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                return

    watcher = None
    if stop:
        from distributed import Event, get_client

        # The worker's client, fetched in the task's own thread (the watcher's thread has no worker context).
        watcher = threading.Thread(target=watch, args=(Event(stop, client=get_client()),), daemon=True)
        watcher.start()
    start = time.perf_counter()
    error = detail = ""
    try:
        # The kernel process's own stderr (ipykernel's start-up notices) stays out of the logs;
        # what the cells print arrives with their outputs.
        try:
            client.execute(env=kernel_env, stderr=subprocess.DEVNULL)
        except Exception:
            if ready.is_set() or stopped.is_set():
                raise
            # A kernel that died or hung while starting ran no cell (seen once in 36 runs on a
            # loaded machine): start one more; a second failure is reported as it is.
            executed, client = new_client()
            client.execute(env=kernel_env, stderr=subprocess.DEVNULL)
    except CellExecutionError as failure:
        error = f"{failure.ename}: {failure.evalue}".splitlines()[0][:300]
        detail = str(failure)[-3000:]
    except DeadKernelError as failure:
        error = "stopped" if stopped.is_set() else f"the kernel died: {failure}"[:300]
        detail = error
    except Exception as failure:  # a cell past its time limit, a kernel that would not start
        error = f"{type(failure).__name__}: {failure}".splitlines()[0][:300]
        detail = str(failure)[-3000:]
    finally:
        finished.set()
        if watcher:
            watcher.join()  # no question to the scheduler outlives the task
        if scratch:
            scratch.cleanup()
    seconds = time.perf_counter() - start
    # The source's cells and metadata with the outputs added: the execution cache finds a
    # notebook by its code and kernelspec, which the client may have rewritten.
    for cell, ran in zip(source.cells, executed.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = ran.outputs, ran.execution_count
    if "language_info" in executed.metadata:
        source.metadata["language_info"] = executed.metadata["language_info"]
    return {
        "notebook": nbformat.writes(source),
        "finished": not error,
        "error": error,
        "detail": detail,
        "stopped": stopped.is_set(),
        "started": began,
        "seconds": round(seconds, 1),
        "where": where_it_ran(source, kernel_env.get("KERAS_BACKEND", "")),
    }


# --------------------------------------------------------------------------
# On the client
# --------------------------------------------------------------------------


def differences(worker: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    """How a worker's ``identity()`` differs from the client's, in words (empty when it runs ours)."""
    found = []
    if worker["helpers"] != reference["helpers"]:
        found.append(f"helpers {worker['helpers']} (this checkout's is {reference['helpers']})")
    if worker["python"].rsplit(".", 1)[0] != reference["python"].rsplit(".", 1)[0]:
        found.append(f"Python {worker['python']} (here {reference['python']})")
    for name in LIBRARIES:
        theirs, ours = worker["versions"].get(name), reference["versions"].get(name)
        if theirs != ours:
            found.append(f"{name} {theirs} (here {ours})")
    return found


def refuse_mismatch(where: dict[str, Any], reference: dict[str, Any]) -> None:
    """Raise ``WorkerMismatch`` naming what differs, unless the worker runs the client's code and libraries."""
    found = differences(where, reference)
    if found:
        raise WorkerMismatch(
            f"worker {where['worker']} on {where['host']} runs {'; '.join(found)}: its results would not be this "
            "book's. Install this checkout's environment there (pip install -r requirements.txt and "
            "pip install -e . from the same commit), or stop that worker."
        )


def check_workers(client: Any, reference: dict[str, Any], gpu: bool = False, wait: float = 60) -> dict[str, Any]:
    """Every worker the scheduler has now, refused if one runs other code; ``{address: identity}``.

    Waits up to ``wait`` seconds for a first worker (a cluster's jobs may still
    be queued).  With ``gpu``, at least one worker must declare ``GPU=1``.
    """
    try:
        client.wait_for_workers(1, timeout=wait)
    except TimeoutError:
        raise ValueError(
            f"the Dask scheduler at {client.scheduler.address} has no worker after {wait:.0f} s: start one "
            "(dask worker ADDRESS, in this course's environment)."
        ) from None
    found = client.run(identity)
    for where in found.values():
        refuse_mismatch(where, reference)
    if gpu and not any(where["resources"].get("GPU") for where in found.values()):
        raise ValueError(
            "no worker declares a GPU: start one with `dask worker ADDRESS --resources GPU=1` on a machine "
            "whose JAX sees the GPU (pip install 'jax[cuda12]')."
        )
    return found


def task_env(task: Task, backend: str) -> dict[str, str]:
    """The variables a chapter's kernel gets from the command that asked for it."""
    env = {name: os.environ[name] for name in PASSED_VARIABLES if os.environ.get(name)}
    env.update(_OWN_VARIABLES)  # a thread count the caller set on purpose reaches the kernel
    env.update(
        {
            "KERAS_BACKEND": backend,
            "COURSE_PROFILE": task.profile,
            "COURSE_PROGRESS": "none",
            "COURSE_CHECKS": "strict",
        }
    )
    if task.base is not None:
        env["COURSE_BASE_SEED"] = str(task.base)
    return env


def _by_value(function: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        return function(*args)

    return call


def run_chapters(
    client: Any,
    tasks: Sequence[Task],
    on_result: Callable[[dict[str, Any]], None],
    root: Path,
    backend: str,
    timeout: int = 1800,
    gpu: bool = False,
    stop_on_failure: bool = False,
) -> None:
    """Execute ``tasks`` on the client's workers and call ``on_result`` with each result as it arrives.

    ``on_result`` runs in this thread, one result at a time, only for results
    from workers that run this checkout's ``helpers`` and libraries.  The
    first chapter that fails, when ``stop_on_failure``, raises
    ``ChapterFailed`` after ``on_result`` saw it; a chapter whose workers kept
    dying is handed over as ``lost`` (``finished`` false).  Whatever ends this
    call early (a failure, ``on_result`` raising, Ctrl-C) stops the running
    chapters' kernels and cancels the rest.
    """
    import cloudpickle
    from distributed import Event, KilledWorker, as_completed

    from . import cluster

    cloudpickle.register_pickle_by_value(cluster)  # workers need no copy of coursebook
    reference = identity()
    check_workers(client, reference, gpu=gpu)
    # Dask pickles a task with the standard pickle, which names a function by its module (and the scheduler
    # and workers would need coursebook); a function made here cannot be named, so Dask falls back to
    # cloudpickle, which ships it, and execute_chapter inside it, by value (registered above).
    shipped = _by_value(execute_chapter)
    run_id = uuid.uuid4().hex[:8]
    stop = Event(f"course-stop-{run_id}", client=client)
    futures: dict[Any, Task] = {}
    try:
        paths = [root / task.chapter for task in tasks]
        # All chapters in one submission, keys with one prefix: Dask then sees one group of independent tasks,
        # larger than the cluster, and queues them on the scheduler, handing each worker the next one in the
        # book's order when it is free. Submitted one by one, the first few reach the scheduler while the group
        # is still small, and each is sent at once to a worker, to wait there behind another chapter.
        submitted = client.map(
            shipped,
            [path.read_text() for path in paths],
            [task_env(task, backend) for task in tasks],
            [str(path.parent) for path in paths],
            [timeout] * len(tasks),
            [stop.name] * len(tasks),
            key=[
                f"course_chapter-{run_id}-{number:03d}-{Path(task.chapter).stem}-{task.profile}-{task.base}"
                for number, task in enumerate(tasks)
            ],
            pure=False,
            resources={"GPU": 1} if gpu else None,
        )
        futures.update(zip(submitted, tasks))
        for future in as_completed(list(futures)):
            task = futures.pop(future)
            try:
                result = future.result()
            except KilledWorker as death:
                result = {
                    "task": task,
                    "finished": False,
                    "lost": True,
                    "error": f"lost: the workers running it died ({str(death).split('. ')[0]}); not a failed check",
                    "seconds": None,
                }
                on_result(result)
                continue
            refuse_mismatch(result["where"], reference)
            result["task"] = task
            on_result(result)
            if stop_on_failure and not result["finished"]:
                raise ChapterFailed(f"{task.chapter} failed:\n{result['detail']}")
    finally:
        if futures:  # ended early: stop the kernels running, cancel what has not started
            stop.set()
            client.cancel(list(futures))


@contextmanager
def connect(
    jobs: int = 2,
    scheduler: str | None = None,
    scheduler_file: str | None = None,
    cluster: str | None = None,
    gpu: bool = False,
) -> Iterator[Any]:
    """A Dask client: a running scheduler's, a batch system's workers', or an embedded ``LocalCluster``'s.

    The ``LocalCluster`` has ``jobs`` worker processes with one thread each
    (one chapter at a time per worker, as the book's budgets assume), no
    memory limit (a chapter's memory is its kernel's, not the worker's), no
    dashboard, and hands a worker one task at a time, so chapters not started
    can still be cancelled.  With ``gpu`` its workers declare ``GPU=1``.
    """
    import logging

    import dask
    from distributed import Client, LocalCluster

    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, not {jobs}.")
    if sum(bool(choice) for choice in (scheduler, scheduler_file, cluster)) > 1:
        raise ValueError("give one of --scheduler, --scheduler-file and --cluster, not several.")
    if scheduler or scheduler_file:
        if scheduler_file and not Path(scheduler_file).is_file():
            raise ValueError(f"no scheduler file {scheduler_file}: start the scheduler with --scheduler-file there.")
        try:
            client = Client(scheduler, scheduler_file=scheduler_file, timeout=30)
        except (OSError, TimeoutError) as error:
            raise ValueError(f"cannot reach the Dask scheduler {scheduler or scheduler_file}: {error}") from None
        with client:
            yield client
        return
    if cluster:
        try:
            import dask_jobqueue
        except ImportError:
            raise ValueError(
                "--cluster needs dask-jobqueue: pip install -e '.[cluster]' (or pip install dask-jobqueue)."
            ) from None
        kinds = {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster}
        if cluster not in kinds:
            raise ValueError(f"--cluster {cluster!r} is not one of {', '.join(kinds)}.")
        # Queue, account, cores, memory, walltime and the environment's activation come from Dask's
        # configuration (jobqueue.slurm / jobqueue.pbs in ~/.config/dask/jobqueue.yaml).
        with kinds[cluster]() as batch, Client(batch) as client:
            batch.scale(jobs=jobs)
            yield client
        return
    # A worker that runs one long chapter at a time needs no profiler sampling its thread every 10 ms, no work
    # stealing (the scheduler queues the chapters) and no system monitor twice a second: measured with two
    # chapters running, the cluster's own processes then take 2.7% of one core instead of 5.3%.
    settings = {
        "distributed.scheduler.worker-saturation": 1.0,
        "distributed.scheduler.work-stealing": False,
        "distributed.worker.profile.enabled": False,
        "distributed.admin.system-monitor.interval": "5s",
    }
    before = {name: os.environ.get(name) for name in DASK_NANNY_VARIABLES}
    with (
        _restored_environment(before),
        dask.config.set(settings),
        LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit=0,
            resources={"GPU": 1} if gpu else None,
            silence_logs=logging.ERROR,
        ) as local,
        Client(local) as client,
    ):
        yield client


def stop_on_sigterm() -> None:
    """Let SIGTERM (a CI job cancelled, ``kill``) stop a command as Ctrl-C does: kernels stopped, results kept."""
    import signal

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


@contextmanager
def _restored_environment(before: dict[str, str | None]) -> Iterator[None]:
    """Put back this process's values of ``before``'s variables on exit (a local nanny changes them here)."""
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that say where chapters run, shared by the build and the robustness runs."""
    group = parser.add_argument_group("where the chapters run (default: this machine, --jobs worker processes)")
    group.add_argument("--jobs", type=int, default=2, help="worker processes of the local cluster (default 2)")
    group.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    group.add_argument(
        "--scheduler-file", metavar="PATH", help="the scheduler's file (dask scheduler --scheduler-file)"
    )
    group.add_argument(
        "--cluster", choices=("slurm", "pbs"), help="start workers as batch jobs (dask-jobqueue; Dask's config)"
    )
    group.add_argument("--gpu", action="store_true", help="run each chapter on a worker that declares GPU=1")


def connect_options(args: argparse.Namespace) -> dict[str, Any]:
    """``connect``'s keyword arguments from the parsed options of ``add_arguments``."""
    return {
        "jobs": args.jobs,
        "scheduler": args.scheduler,
        "scheduler_file": args.scheduler_file,
        "cluster": args.cluster,
        "gpu": args.gpu,
    }


def describe(where: dict[str, Any] | None) -> str:
    """Where a run happened, in words: ``"host (worker tcp://..., CPU)"``."""
    if not where:
        return "not recorded"
    worker = where.get("worker", "")
    worker = "" if worker in ("", "this process") else f"worker {worker}, " if "://" in worker else f"{worker}, "
    return f"{where.get('host', '?')} ({worker}{where.get('device', '?')})"
