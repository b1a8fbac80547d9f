"""Reading untrusted files where a crash or a runaway allocation cannot take the refresh down.

Each file is parsed in its own short-lived process, forked from a forkserver that has the parsing
code already imported (a fork costs milliseconds; the refresh process itself never forks, so its
threads and its database handles are never copied). The child runs under an address-space limit
(`reader_memory_mib` above what it started with) and an alarm (`reader_timeout_seconds`); the
parent also kills it at the deadline. A child that dies — out of memory, a crash in a native
reader, killed — yields a `rejected` outcome with the reason, and the other files go on. Up to
`reader_processes` files are read side by side.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import resource
import signal
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from .cache import Spooled, write_records
from .config import CONFIG_DIR
from .discover import FoundFile
from .limits import Limits, mib
from .parse import FileOutcome, parse_file
from .results import ArrowRecords

_SIGNALS = {
    signal.SIGKILL: "killed",
    signal.SIGABRT: "aborted",
    signal.SIGSEGV: "crashed",
    signal.SIGBUS: "crashed",
    signal.SIGALRM: "timed out",
}


def _context():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pipelines.ingest.reader_preload"])
    return ctx


def warm_up() -> None:
    """Start the fork server now, in the background: it imports the reading code (about a second) while
    the caller does other work, instead of when the first file is to be read. Its first reader then forks
    at once. Returns immediately."""
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


def shut_down() -> None:
    """Stop the fork server once every file is read: it holds the reading code (about 200 MiB resident)
    that nothing needs while dbt builds, when the refresh's memory peaks. The next reading starts another.
    (multiprocessing has no public call for this; without `_stop`, the server lives until the refresh
    process ends, as it did before.)"""
    from multiprocessing import forkserver

    server = forkserver._forkserver
    stop = getattr(server, "_stop", None)
    if stop is None:
        return
    pid = getattr(server, "_forkserver_pid", None)
    if pid is not None:
        # it holds nothing to save or release: killed, rather than asked to stop and waited for while it
        # tears its interpreter down (0.3 s of a corrected register's refresh, before dbt can start)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    stop()


def _vm_size() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(batch: list[tuple[int, FoundFile]], config_dir: Path, limits: Limits, conn, spool: Path | None) -> None:
    """In the reader process: bound memory, then parse each file of the batch under its own alarm and
    send (index, outcome) as soon as it is read, so that the parent always knows which file is in hand.
    With a `spool` folder, the records are written there and the outcome names their file (`_spooled`)."""
    ceiling = _vm_size() + limits.reader_memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    # The modules preloaded by the fork server are there for good: the cycle collector need not walk
    # them again at every collection (measured: collecting them after each file made a national reading
    # twice as slow).
    gc.freeze()
    for index, found in batch:
        signal.alarm(int(limits.reader_timeout_seconds) + 5)  # in case the parent is gone and cannot kill us
        try:
            outcome = parse_file(found, config_dir, limits)
        except MemoryError:
            outcome = _not_cached(FileOutcome(found).reject(_too_big(limits)))
        except RecursionError:
            outcome = FileOutcome(found).reject("the file is nested too deeply to read (damaged or crafted)")
        except Exception as exc:  # a bug of ours must not stop the refresh; the reason says it is ours
            outcome = _not_cached(
                FileOutcome(found).reject(
                    f"internal error while reading ({type(exc).__name__}: {exc}); please report it with the file"
                )
            )
        if spool is not None:
            outcome = _spooled(outcome, spool, index)
        signal.alarm(0)
        try:
            conn.send((index, outcome))
        except MemoryError:
            conn.send((index, _not_cached(FileOutcome(found).reject(_too_big(limits)))))
    conn.close()


def _spooled(outcome: FileOutcome, spool: Path, index: int) -> FileOutcome:
    """The outcome with its records written to a file of the spool (the parse cache's format), which the
    refresh process moves into the cache; as it was when they cannot be written there (a full disk):
    they are then sent through the pipe."""
    records = outcome.parsed.records if outcome.parsed else None
    if not outcome.cacheable or not isinstance(records, ArrowRecords) or records.loader is not None:
        return outcome
    path = spool / f"{os.getpid()}-{index}.arrow"
    try:
        write_records(path, records.table)
    except (OSError, MemoryError):  # a full disk; a copy over the reader's memory limit: sent as it is
        path.unlink(missing_ok=True)
        return outcome
    outcome.parsed.records = ArrowRecords.deferred(len(records), records.keys(), Spooled(path, outcome.found.relative))
    return outcome


def _not_cached(outcome: FileOutcome) -> FileOutcome:
    outcome.cacheable = False
    return outcome


def _too_big(limits: Limits) -> str:
    return (
        f"reading the file needs more than {mib(limits.reader_memory_bytes)} of memory (limit "
        "reader_memory_mib): it is too large, or built to exhaust memory"
    )


def _died(found: FoundFile, exitcode: int | None, limits: Limits) -> FileOutcome:
    return _not_cached(_death(found, exitcode, limits))


def _death(found: FoundFile, exitcode: int | None, limits: Limits) -> FileOutcome:
    if exitcode is not None and exitcode < 0:
        what = _SIGNALS.get(-exitcode, f"stopped by signal {-exitcode}")
        if -exitcode in (signal.SIGABRT, signal.SIGKILL):
            return FileOutcome(found).reject(f"the reader was {what}: {_too_big(limits)}")
        if -exitcode == signal.SIGALRM:
            return _timed_out(found, limits)
        return FileOutcome(found).reject(
            f"the reader {what} on this file (signal {-exitcode}): the file is "
            "damaged or crafted; save it again from Excel and resend it"
        )
    return FileOutcome(found).reject(
        f"internal error: the reader process stopped without an answer (exit code "
        f"{exitcode}); please report it with the file"
    )


def _timed_out(found: FoundFile, limits: Limits) -> FileOutcome:
    return _not_cached(
        FileOutcome(found).reject(
            f"reading the file took longer than {limits.reader_timeout_seconds:.0f} s "
            "(limit reader_timeout_seconds): it is too large, or built to stall readers"
        )
    )


@contextmanager
def _importable_main():
    """Let readers start from a script read from stdin (`python -`): multiprocessing would re-run the
    parent's __main__ from its __file__ in each reader, and '<stdin>' is no file."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path is None or getattr(main, "__spec__", None) is not None or os.path.isfile(path):
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def _batches(files: list[FoundFile], todo: list[int], limits: Limits) -> list[list[int]]:
    """Small files share a reader process (a process per file costs more than reading a small file);
    a large file gets its own. Largest first, so that the readers finish together."""
    order = sorted(todo, key=lambda i: -files[i].size)
    batches: list[list[int]] = []
    current: list[int] = []
    weight = 0
    for i in order:
        size = files[i].size or 0
        if size >= limits.batch_bytes:
            batches.append([i])
            continue
        if current and (len(current) >= limits.batch_files or weight + size > limits.batch_bytes):
            batches.append(current)
            current, weight = [], 0
        current.append(i)
        weight += size
    if current:
        batches.append(current)
    return batches


@dataclass
class _Reader:
    """One reader process at work on a batch: the files it has not answered for yet, and since when it
    has been silent (the deadline is per file)."""

    process: multiprocessing.process.BaseProcess
    receive: Connection
    pending: list[int]
    since: float

    @classmethod
    def start(
        cls, ctx, files: list[FoundFile], batch: list[int], config_dir: Path, limits: Limits, spool: Path | None
    ) -> _Reader:
        receive, send = ctx.Pipe(duplex=False)
        process = ctx.Process(
            target=_child, args=([(i, files[i]) for i in batch], config_dir, limits, send, spool), daemon=True
        )
        with _importable_main():
            process.start()
        send.close()
        return cls(process, receive, list(batch), time.monotonic())

    def collect(self, results: list, on_file) -> bool:
        """Take every outcome sent so far; False when the pipe broke (the reader died mid-answer)."""
        try:
            while self.pending and self.receive.poll():
                index, outcome = self.receive.recv()
                results[index] = outcome
                self.pending.remove(index)
                if on_file:
                    on_file(outcome)
                self.since = time.monotonic()
        except (EOFError, OSError):
            self.process.join(5)
            return False
        return True

    def failure(self, files: list[FoundFile], limits: Limits, pipe_ok: bool) -> FileOutcome | None:
        """The outcome of the file in hand when the reader died or overran its deadline; None otherwise."""
        if not pipe_ok:
            return _died(files[self.pending[0]], self.process.exitcode, limits)
        if not self.pending:
            return None
        if not self.process.is_alive() and not self.receive.poll():
            return _died(files[self.pending[0]], self.process.exitcode, limits)
        if time.monotonic() - self.since > limits.reader_timeout_seconds:
            self.process.kill()
            return _timed_out(files[self.pending[0]], limits)
        return None

    def finished(self) -> bool:
        return not self.pending

    def close(self) -> None:
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.receive.close()
        self.process.close()


def parse_files(
    files: list[FoundFile],
    config_dir: Path = CONFIG_DIR,
    limits: Limits | None = None,
    on_file=None,
    spool: Path | None = None,
) -> list[FileOutcome]:
    """parse_file for each file, in bounded reader processes; outcomes in the order given, each also
    passed to `on_file` as soon as it is known. With `spool` (the parse cache's), each file's records
    come as a file there (`cache.Spooled`), which `on_file` must move or load.

    A reader that dies or stalls costs only the file it was reading: that file is rejected with the
    reason, and the files of its batch it had not reached yet are read again, each in its own process.
    """
    limits = limits or Limits()
    results: list[FileOutcome | None] = [None] * len(files)
    todo = []
    for i, found in enumerate(files):
        if found.problem:
            results[i] = FileOutcome(found).reject(found.problem)
        else:
            todo.append(i)
    if not todo:
        return results  # type: ignore[return-value]
    ctx = _context()
    if spool is not None:
        spool.mkdir(parents=True, exist_ok=True)
    queue = _batches(files, todo, limits)
    workers = max(1, min(limits.reader_processes, multiprocessing.cpu_count(), len(queue)))
    running: list[_Reader] = []
    try:
        while queue or running:
            while queue and len(running) < workers:
                running.append(_Reader.start(ctx, files, queue.pop(0), config_dir, limits, spool))
            wait([r.receive for r in running] + [r.process.sentinel for r in running], timeout=0.5)
            for reader in list(running):
                pipe_ok = reader.collect(results, on_file)
                failed = reader.failure(files, limits, pipe_ok)
                if failed is None and not reader.finished():
                    continue  # still reading, within its deadline
                if failed is not None:
                    results[reader.pending[0]] = failed
                    if on_file:
                        on_file(failed)
                    queue[:0] = [[i] for i in reader.pending[1:]]  # not reached: each read again, alone
                reader.close()
                running.remove(reader)
    except BaseException:  # on_file failed (caching on a full disk) or the refresh was interrupted
        for reader in running:
            reader.process.kill()
            reader.close()
        raise
    return results  # type: ignore[return-value]
