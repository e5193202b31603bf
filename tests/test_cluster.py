"""The chapter runner on Dask (coursebook/cluster.py), with real worker processes on a tiny book.

Every process these tests stop is one they started, found by its pid: a
LocalCluster's worker is a child of this test process, a hand-started
scheduler or worker is a ``Popen`` of the test, a command under test runs
in a session of its own.  An instructor's own build beside them is never
touched.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from books import tiny_book

from coursebook.build import cache_path, execute_chapters
from coursebook.cluster import (
    DASK_NANNY_VARIABLES,
    ChapterFailed,
    Task,
    WorkerMismatch,
    connect,
    describe,
    differences,
    execute_chapter,
    identity,
    run_chapters,
)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# A chapter that shows which process ran it, and whose parent.
WHO = "import os\nprint(os.getpid(), os.getppid())"


def _stored(root: Path, device: str = "cpu") -> dict[str, list[nbformat.NotebookNode]]:
    """``{chapter file: [its stored notebooks]}`` in the quick cache."""
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_path("quick", root, device)))
    found: dict[str, list] = {}
    for record in cache.list_cache_records():
        found.setdefault(Path(record.uri).name, []).append(cache.get_cache_bundle(record.pk))
    return found


def _printed(bundle) -> str:
    code = [cell for cell in bundle.nb.cells if cell.cell_type == "code"]
    return "".join(output.get("text", "") for output in code[0].outputs)


def _wait_for(condition, seconds: float, what: str) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds} s for {what}")


def _gone(pids: list[int], seconds: float = 10) -> list[int]:
    """The pids among ``pids`` still alive after ``seconds`` (zombies count as gone)."""
    end = time.monotonic() + seconds
    alive = list(pids)
    while alive and time.monotonic() < end:
        alive = [pid for pid in alive if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
        time.sleep(0.2)
    return alive


def test_a_worker_killed_mid_chapter_reruns_it_elsewhere_and_every_kernel_is_a_workers_child(tmp_path):
    marker = tmp_path / "first-run"
    slow = (
        f"{WHO}\nimport pathlib, time\nmarker = pathlib.Path({str(marker)!r})\n"
        "if not marker.exists():\n    marker.write_text(f'{os.getpid()} {os.getppid()}')\n    time.sleep(300)\n"
    )
    root = tiny_book(tmp_path / "book", {"a": slow, "b": WHO, "c": WHO + "  # c"})  # the cache tells notebooks by code
    result: dict = {}
    run = threading.Thread(target=lambda: result.update(done=execute_chapters("quick", jobs=2, root=root)))
    run.start()
    _wait_for(marker.exists, 120, "chapter a's first kernel")
    kernel, worker = map(int, marker.read_text().split())
    mine = {child.pid for child in psutil.Process().children(recursive=True)}
    assert worker in mine and worker != os.getpid()  # a worker process this test started (its LocalCluster)
    os.kill(worker, signal.SIGKILL)
    run.join(180)
    assert not run.is_alive() and sorted(result["done"]) == ["chapters/a.ipynb", "chapters/b.ipynb", "chapters/c.ipynb"]
    stored = _stored(root)
    assert {name: len(bundles) for name, bundles in stored.items()} == {"a.ipynb": 1, "b.ipynb": 1, "c.ipynb": 1}
    for bundles in stored.values():
        _pid, parent = map(int, _printed(bundles[0]).split())
        where = bundles[0].record.data["where"]
        assert parent == where["pid"] != os.getpid()  # the kernel's parent is the worker that reports the run
        assert where["worker"].startswith("tcp://") and where["device"] == "CPU"
    assert int(_printed(stored["a.ipynb"][0]).split()[1]) != worker  # a ran again on another worker
    assert _gone([kernel]) == []  # the killed worker's kernel did not outlive it


def test_a_chapters_kernel_runs_with_the_callers_environment_not_the_settings_dask_gives_its_workers(tmp_path):
    """Dask's nanny sets one thread for OpenMP and BLAS (and more) in its workers, and in the process that starts
    them; a chapter's kernel must not inherit them (the chapters ran 25 to 30% slower), nor keep the caller's."""
    names = sorted(DASK_NANNY_VARIABLES)
    root = tiny_book(
        tmp_path / "book", {"env": f"import json, os\nprint(json.dumps({{n: os.environ.get(n) for n in {names!r}}}))"}
    )
    before = {name: os.environ.get(name) for name in names}
    execute_chapters("quick", jobs=1, root=root, log=lambda line: None)
    assert json.loads(_printed(_stored(root)["env.ipynb"][0])) == before
    assert {name: os.environ.get(name) for name in names} == before  # the caller's own environment is put back


def test_results_reach_the_caller_in_its_own_thread_one_at_a_time(tmp_path):
    """jupyter-cache loses records stored from two threads at once (measured: 1 to 5 in 100 tries), so
    whatever the caller stores happens in its thread, never in one of the runner's."""
    root = tiny_book(tmp_path / "book", {name: f"print({number})" for number, name in enumerate("abcd")})
    threads, busy, overlapped = [], [], []

    def on_result(result: dict) -> None:
        threads.append(threading.current_thread())
        overlapped.append(bool(busy))
        busy.append(1)
        time.sleep(0.3)  # a slow store: another result arriving now must wait for this one
        busy.pop()

    tasks = [Task(f"chapters/{name}.ipynb", "quick") for name in "abcd"]
    with connect(jobs=2) as client:
        run_chapters(client, tasks, on_result, root, "jax")
    assert threads == [threading.main_thread()] * 4 and not any(overlapped)


def test_chapters_start_in_the_books_order_and_a_failure_stops_those_not_started(tmp_path):
    """The scheduler hands each free worker the next chapter in the toc, so the first failure can still stop
    every chapter after it (none is waiting on a worker already)."""
    names = "abcdefgh"
    root = tiny_book(tmp_path / "book", {name: f"import time\ntime.sleep(1)  # {name}" for name in names})
    began: dict[str, float] = {}

    def keep(result: dict) -> None:
        began[Path(result["task"].chapter).stem] = result["started"]

    with connect(jobs=2) as client:  # when a task began on its worker, before its kernel's start-up (which varies)
        run_chapters(client, [Task(f"chapters/{name}.ipynb", "quick") for name in names], keep, root, "jax")
    started = [began[name] for name in names]
    late = [(a, b) for i, a in enumerate(names) for j, b in enumerate(names) if j > i + 1 and started[j] < started[i]]
    assert not late, f"chapters started before others that come two or more places earlier: {late}"

    failing = {name: f"import time\ntime.sleep(1)  # {name}" for name in names}
    failing["c"] = "raise ValueError('stop here')"
    root = tiny_book(tmp_path / "failing", failing)
    with pytest.raises(ChapterFailed, match="stop here"):
        execute_chapters("quick", jobs=2, root=root, log=lambda line: None)
    # when c fails, d runs beside it and e may just have been handed to c's worker; f, g and h never start
    assert not {"f.ipynb", "g.ipynb", "h.ipynb"} & set(_stored(root)) and "c.ipynb" not in _stored(root)


def test_a_chapter_whose_workers_keep_dying_is_lost_not_failed(tmp_path):
    import dask

    from coursebook.cluster import ChapterLost

    # The chapter kills the worker that runs it (a process this test started, its parent); Dask allows
    # no death here (allowed-failures 0), so the first one loses the chapter.
    root = tiny_book(tmp_path / "book", {"doomed": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"})
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        pytest.raises(ChapterLost, match=r"chapters/doomed\.ipynb: lost: the workers running it died"),
    ):
        execute_chapters("quick", jobs=1, root=root, log=lambda line: None)
    assert _stored(root) == {}


def test_the_first_failing_chapter_stops_the_rest_and_its_traceback_is_reported(tmp_path):
    root = tiny_book(tmp_path / "book", {"c": "raise ValueError('conclusion not supported')", "d": "print(1)"})
    with pytest.raises(ChapterFailed, match=r"(?s)chapters/c\.ipynb failed.*conclusion not supported"):
        execute_chapters("quick", jobs=1, root=root, log=lambda line: None)
    assert "d.ipynb" not in _stored(root)  # never started


def _as_a_terminal_starts_it() -> None:
    """Ctrl-C's default action, as in a command typed at a terminal: a test run in the background (nohup, CI)
    may have inherited SIGINT ignored, and Python keeps an ignored SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(command: list[str], cwd: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_as_a_terminal_starts_it,
        **kwargs,
    )


def _ctrl_c(process: subprocess.Popen) -> list[int]:
    """Ctrl-C as a terminal sends it: SIGINT to the command's process group (its own session). Returns the
    pids of the command and everything it had started."""
    family = [process.pid] + [child.pid for child in psutil.Process(process.pid).children(recursive=True)]
    os.killpg(process.pid, signal.SIGINT)
    return family


def _read_lines(process: subprocess.Popen, into: list[str]) -> threading.Thread:
    reader = threading.Thread(target=lambda: into.extend(process.stdout), daemon=True)
    reader.start()
    return reader


def test_ctrl_c_keeps_finished_chapters_stops_the_kernels_and_leaves_no_process(tmp_path):
    started = tmp_path / "b-started"
    root = tiny_book(
        tmp_path / "book",
        {
            "a": "print('a')",
            "b": f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(300)",
            "c": "print('c')",
        },
    )
    command = [sys.executable, "-m", "coursebook.build", "execute", "quick", "--jobs", "1", "--root", str(root)]
    process = _start(command, ROOT)
    lines: list[str] = []
    _read_lines(process, lines)
    _wait_for(started.exists, 120, "chapter b to start")
    assert any("chapters/a.ipynb:" in line for line in lines)  # a was stored before b started
    family = _ctrl_c(process)
    stop = time.monotonic()
    process.wait(timeout=30)
    assert time.monotonic() - stop < 15, "the command took more than 15 s to stop"
    assert process.returncode != 0
    assert _gone(family) == [], "a process of the interrupted command outlived it"
    assert sorted(_stored(root)) == ["a.ipynb"]


ROBUST = """
import helpers, os, pathlib, time
from helpers import check_conclusion

profile = helpers.setup(seed=0)
if profile.base_seed == 2 and not pathlib.Path(MARKER).exists():
    pathlib.Path(MARKER).touch()
    time.sleep(300)
check_conclusion("the seeds are consecutive", passed=profile.seeds[1] == profile.seeds[0] + 1, evidence="s")
"""


def test_an_interrupted_robustness_run_resumes_with_only_the_missing_runs(tmp_path):
    marker = tmp_path / "base-2-started"
    root = tiny_book(tmp_path / "book", {"tiny": ROBUST.replace("MARKER", repr(str(marker)))})
    out = tmp_path / "records"
    command = [sys.executable, "-m", "coursebook.robustness", "quick", "--bases", "0", "2", "--jobs", "1"]
    command += ["--root", str(root), "--out", str(out)]
    process = _start(command, ROOT)
    lines: list[str] = []
    _read_lines(process, lines)
    _wait_for(marker.exists, 120, "base 2 to start")
    family = _ctrl_c(process)
    process.wait(timeout=30)
    assert _gone(family) == []
    assert process.returncode == 130 and any("--resume" in line for line in lines)  # says how to go on
    journal = out / "quick.runs.jsonl"
    interrupted = journal.read_text()
    kept = [json.loads(line) for line in interrupted.splitlines()[1:]]
    assert [(entry["chapter"], entry["base"]) for entry in kept] == [("chapters/tiny.ipynb", 0)]
    assert not (out / "quick.json").exists()

    resumed = subprocess.run([*command, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "1 chapter runs" in resumed.stdout and "1 done before" in resumed.stdout
    record = json.loads((out / "quick.json").read_text())
    runs = record["chapters"]["chapters/tiny.ipynb"]["runs"]
    journal_run = {k: v for k, v in kept[0]["run"].items() if k != "curves"}  # the curves go to the bands
    assert runs["0"] == journal_run  # base 0 was not run again
    assert runs["2"]["finished"] and runs["2"]["checks"][0]["passed"] and runs["2"]["where"]["worker"]
    assert not journal.exists()  # everything it held is in the record

    # A resume after the chapter's code changed would mix two versions: refused.
    journal.write_text(interrupted)
    nb = nbformat.read(root / "chapters" / "tiny.ipynb", as_version=4)
    nb.cells[1].source += "\nprint('changed')"
    nbformat.write(nb, root / "chapters" / "tiny.ipynb")
    refused = subprocess.run([*command, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "changed since the interrupted run" in refused.stderr


def test_a_robustness_run_on_a_scheduler_with_hand_started_workers(tmp_path):
    """The command from the issue, against `dask scheduler` and two `dask worker` processes started here."""
    root = tiny_book(tmp_path / "book", {"tiny": ROBUST.replace("MARKER", repr(str(tmp_path / "unused")))})
    (tmp_path / "empty").mkdir()
    file = tmp_path / "scheduler.json"
    started = [
        _start(
            [
                str(BIN / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(file),
            ],
            tmp_path,
        )
    ]
    try:
        _wait_for(file.exists, 60, "the scheduler's file")
        for name in ("w1", "w2"):
            worker = [str(BIN / "dask"), "worker", "--scheduler-file", str(file), "--nthreads", "1", "--no-dashboard"]
            started.append(_start([*worker, "--name", name], tmp_path))  # no checkout on their path
        from distributed import Client

        with Client(scheduler_file=str(file), timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
            workers = set(client.scheduler_info()["workers"])
            client.get_task_stream()  # the scheduler starts recording which worker runs what
            address = client.scheduler.address
            command = [sys.executable, "-m", "coursebook.robustness", "quick", "--bases", "7", "--chapters", "tiny"]
            command += ["--root", str(root), "--out", str(tmp_path / "empty"), "--scheduler", address]
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr
            record = json.loads((tmp_path / "empty" / "quick.json").read_text())
            run = record["chapters"]["chapters/tiny.ipynb"]["runs"]["7"]
            assert run["checks"][0]["claim"] == "the seeds are consecutive" and run["checks"][0]["passed"]
            assert run["where"]["worker"] in workers
            stream = [t for t in client.get_task_stream() if str(t["key"]).endswith("-tiny-quick-7")]
            assert [t["worker"] for t in stream] == [run["where"]["worker"]]

            # A worker whose helpers differ is refused, in words that name the difference.
            other = tmp_path / "other"
            shutil.copytree(ROOT / "helpers", other / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
            (other / "helpers" / "models.py").write_text((other / "helpers" / "models.py").read_text() + "\nX = 1\n")
            env = {**os.environ, "PYTHONPATH": str(other)}
            started.append(_start([*worker, "--name", "w3"], tmp_path, env=env))
            client.wait_for_workers(3, timeout=60)
            refused = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
            assert (
                refused.returncode == 2 and "runs helpers" in refused.stderr and "this checkout's is" in refused.stderr
            )
    finally:
        for process in reversed(started):  # only what this test started, by pid
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def test_gpu_runs_go_to_a_worker_that_declares_a_gpu_and_to_a_cache_of_their_own(tmp_path):
    """On this CPU machine a worker that declares GPU=1 stands in for one: what is tested is the plumbing
    (resources, JAX's memory setting, the separate cache), not a GPU."""
    root = tiny_book(tmp_path / "book", {"g": "import os\nprint(os.environ.get('XLA_PYTHON_CLIENT_PREALLOCATE'))"})
    # No worker declares a GPU: refused before anything runs.
    with connect(jobs=1) as client, pytest.raises(ValueError, match="no worker declares a GPU"):
        run_chapters(client, [Task("chapters/g.ipynb", "quick")], print, root, "jax", gpu=True)
    done = execute_chapters("quick", jobs=1, root=root, log=lambda line: None, gpu=True)
    assert list(done) == ["chapters/g.ipynb"]
    assert "g.ipynb" not in _stored(root, "cpu")
    stored = _stored(root, "gpu")["g.ipynb"][0]
    assert _printed(stored).strip() == "false"  # JAX does not take the whole GPU's memory
    assert stored.record.data["where"]["device"].startswith("GPU")
    assert cache_path("quick", root, "gpu") != cache_path("quick", root)


def test_a_worker_with_other_code_or_libraries_is_named_and_what_differs():
    ours = identity()
    assert differences(ours, ours) == []
    theirs = {**ours, "helpers": "0" * 12, "versions": {**ours["versions"], "keras": "3.0.0"}}
    found = differences(theirs, ours)
    assert found == [
        f"helpers {'0' * 12} (this checkout's is {ours['helpers']})",
        f"keras 3.0.0 (here {ours['versions']['keras']})",
    ]
    with pytest.raises(WorkerMismatch, match="runs helpers 000000000000"):
        from coursebook.cluster import refuse_mismatch

        refuse_mismatch({**theirs, "worker": "tcp://x:1", "host": "h"}, ours)
    assert describe({"host": "h", "worker": "tcp://x:1", "device": "CPU"}) == "h (worker tcp://x:1, CPU)"


def _flaky_start(monkeypatch, failures):
    """NotebookClient.execute failing as a kernel that died while starting, the first ``failures`` times."""
    from nbclient import NotebookClient

    real, calls = NotebookClient.execute, []

    def execute(self, **kwargs):
        calls.append(1)
        if len(calls) <= failures:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return real(self, **kwargs)

    monkeypatch.setattr(NotebookClient, "execute", execute)
    return calls


def _one_cell(source):
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]))


def test_a_kernel_that_dies_while_starting_is_started_once_more(monkeypatch, tmp_path):
    calls = _flaky_start(monkeypatch, failures=1)
    result = execute_chapter(_one_cell("print(6 * 7)"), {}, str(tmp_path), timeout=60)
    assert result["finished"] and len(calls) == 2
    assert nbformat.reads(result["notebook"], as_version=4).cells[0].outputs[0]["text"] == "42\n"


def test_a_kernel_that_dies_while_starting_twice_is_reported_and_a_failing_cell_is_not_rerun(monkeypatch, tmp_path):
    calls = _flaky_start(monkeypatch, failures=2)
    result = execute_chapter(_one_cell("print(1)"), {}, str(tmp_path), timeout=60)
    assert not result["finished"] and len(calls) == 2
    assert result["error"] == "RuntimeError: Kernel died before replying to kernel_info"

    monkeypatch.undo()
    calls = _flaky_start(monkeypatch, failures=0)
    result = execute_chapter(_one_cell("raise ValueError('in a cell')"), {}, str(tmp_path), timeout=60)
    assert len(calls) == 1 and result["error"] == "ValueError: in a cell"


def test_bad_runner_options_get_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="not several"), connect(scheduler="tcp://127.0.0.1:1", cluster="slurm"):
        pass
    with pytest.raises(ValueError, match="no scheduler file"), connect(scheduler_file=str(tmp_path / "none.json")):
        pass
    with pytest.raises(ValueError, match="jobs must be 1 or more"), connect(jobs=0):
        pass


def test_a_runs_machine_names_its_processor_so_two_hosts_can_be_told_apart(tmp_path):
    """Model name and a hash of the instruction-set flags: one model with and without AVX-512 reads differently."""
    from coursebook.cluster import machine_description

    def described(flags: str) -> str:
        info = tmp_path / "cpuinfo"
        info.write_text(f"processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: {flags}\n\n")
        return machine_description(info)

    plain, wider = described("fpu sse2 avx2"), described("fpu sse2 avx2 avx512f")
    assert "AMD EPYC 7B13" in plain and f"{os.cpu_count()} CPU cores" in plain
    assert plain != wider and plain == described("avx2 fpu sse2")  # the flags' order does not matter
    assert machine_description(tmp_path / "not-there") == f"{os.uname().machine}, {os.cpu_count()} CPU cores"
