"""The store: one DuckDB file, its schema and migrations, and who may use it when.

Owns where the database lives (``SINKVIEW_DB`` or ``data/sinkview.duckdb``), how it is opened
(no extension downloads, ever), how the schema is brought up to date, and how several
processes (the app, a nightly ``load``, a cron ``briefing``, ``user add``) share one file.

DuckDB lets one process hold a file read-write, and then nobody else may open it, not even
read-only; several processes may hold it read-only at once, and then nobody may write. So a
shared store (``Store(path, shared=True)``: the app and the command line) keeps nothing open:

- ``store.read()`` opens the file read-only for one unit of work and closes it;
- ``store.write(purpose)`` opens it read-write for one unit of work and closes it;
  ``store.transaction(purpose)`` is the same inside one transaction.

Units of work take a readers-writer lock on two files beside the store (``<db>.gate`` and
``<db>.lock``, ``flock``) before DuckDB opens anything, so they queue instead of failing: a
writer waits for the readers of the moment, and readers that come after a waiting writer wait
behind it (a writer is never starved by a busy dashboard). Waits are bounded; a writer that
gives up says what holds the store (the writing process and what it does, or the processes
reading it). A store that is not shared (tests, benchmarks, ``:memory:``) holds one connection
for its life, as before, and ``cursor()`` gives each thread its own cursor on it.

Opening costs a few milliseconds, so the app runs each page run in ``store.batch()``: its reads
share one read-only connection, opened only if some read misses the caches, and closed at the
end of the run (a writer waits at most one page run). Every finished write counts a generation
(``<db>.generation``); ``generation()`` tells a process cheaply whether anything changed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import os
import sys
import threading
import time
from importlib import resources
from pathlib import Path

import duckdb

from sinkview import DATA_DIR, QUERIES_DIR

DEFAULT_DB = DATA_DIR / "sinkview.duckdb"

# An unknown function must fail, not silently try to download an extension (intranet).
CONNECTION_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

DEFAULT_READ_WAIT_S = 120.0   # a read waits this long for writes in progress ($SINKVIEW_READ_WAIT)
DEFAULT_WRITE_WAIT_S = 60.0   # a write waits this long for others ($SINKVIEW_WRITE_WAIT)
ANNOUNCE_AFTER_S = 1.0        # a wait longer than this is announced (``on_wait``)


def default_db_path() -> Path:
    """The database the app uses: ``$SINKVIEW_DB`` when set, else ``data/sinkview.duckdb``."""
    return Path(os.environ.get("SINKVIEW_DB") or DEFAULT_DB)


def _wait_setting(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name) or default)
    except ValueError:
        return default
    return value if value >= 0 else default


@contextlib.contextmanager
def settings_while(cursor, **settings):
    """DuckDB settings (``memory_limit='1GB'``, ``preserve_insertion_order=True``) for the
    duration of a block; the connection's own values come back afterwards, even on error."""
    before = dict(cursor.execute("select name, value from duckdb_settings() where list_contains($names, name)",
                                 {"names": list(settings)}).fetchall())
    # A value already in force is left alone: setting memory_limit makes DuckDB hand its freed
    # memory back, which the next statement pays for again. Values compare as DuckDB prints them.
    changed = [name for name, value in settings.items() if before[name] != _setting_text(value)]
    try:
        for name in changed:
            cursor.execute(f"set {name} = {_setting_literal(settings[name])}")
        yield
    finally:
        for name in changed:
            cursor.execute(f"set {name} = {_setting_literal(before[name])}")


def _setting_text(value) -> str:
    """A setting's value as DuckDB prints it (``true``, ``1.0 GiB``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _setting_literal(value) -> str:
    text = _setting_text(value)
    return text if isinstance(value, bool) else "'" + text.replace("'", "''") + "'"


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("sinkview.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


SCHEMA_VERSION = max(version for version, _ in _migrations())


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration the store has not recorded, in version order, each in its own
    transaction. Applied versions are tracked one by one (not as a high-water mark), so a
    migration merged later with a lower number than one already applied still runs."""
    con.execute("create table if not exists schema_version (version integer not null)")
    applied = {row[0] for row in con.execute("select version from schema_version").fetchall()}
    for version, sql in _migrations():
        if version in applied:
            continue
        con.execute("begin transaction")
        try:
            con.execute(sql)
            con.execute("insert into schema_version values ($v)", {"v": version})
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        applied.add(version)
    return max(applied, default=0)


def _staging_sources() -> list[Path]:
    return sorted((QUERIES_DIR / "staging").glob("*.sql"))


def staging_fingerprint() -> str:
    """A digest of the staging models this code would install (readers compare it, never write)."""
    digest = hashlib.sha256()
    for path in _staging_sources():
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def install_staging_models(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the staging models of ``queries/staging/`` (DuckDB table macros that several
    queries read, in the dbt sense): always the version of the code that opens the store."""
    pending = _staging_sources()
    while pending:  # a model may read another: install what binds, then retry the rest
        failed = []
        for path in pending:
            try:
                con.execute(path.read_text(encoding="utf-8"))
            except duckdb.CatalogException:
                failed.append(path)
        if len(failed) == len(pending):
            con.execute(failed[0].read_text(encoding="utf-8"))  # raise the real error
        pending = failed
    con.execute("insert or replace into store_meta values ('staging_models', $fingerprint)",
                {"fingerprint": staging_fingerprint()})


def _is_up_to_date(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every migration and the current staging models are in the store (read-only check)."""
    try:
        applied = {row[0] for row in con.execute("select version from schema_version").fetchall()}
        installed = con.execute("select value from store_meta where key = 'staging_models'").fetchall()
    except duckdb.CatalogException:
        return False
    return applied >= {version for version, _ in _migrations()} and installed == [(staging_fingerprint(),)]


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and create or migrate) the store at ``path``; ``":memory:"`` gives a scratch store."""
    target = str(path) if path is not None else str(default_db_path())
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(target, read_only=read_only, config=CONNECTION_CONFIG)
    con.execute("set enable_progress_bar = false")   # a long migration must not draw on a command's stdout
    if not read_only:
        migrate(con)
        install_staging_models(con)
    return con


# --------------------------------------------------------------------------- sharing one file

class StoreBusy(RuntimeError):
    """A unit of work waited its bound for the store; the message says what holds it."""

    def __init__(self, path: Path, holder: str, waited_s: float):
        super().__init__(f"the store {path} is busy ({holder}); gave up after {waited_s:.0f} s")
        self.path = path
        self.holder = holder
        self.waited_s = waited_s


def _command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return " ".join(part.decode("utf-8", "replace") for part in raw.split(b"\0") if part)[:200]


def _processes_locking(path: Path) -> list[int]:
    """Process ids holding an flock on ``path`` (from /proc/locks; empty where there is none)."""
    try:
        inode = path.stat().st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    pids = []
    for line in lines:
        fields = line.split()
        if "->" in fields:  # a waiter, not a holder
            continue
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
            pid = int(fields[4])
            if pid != os.getpid() and pid not in pids:
                pids.append(pid)
    return pids


class _FileLock:
    """One flock on a file beside the store, taken with a bounded wait (own descriptor per take,
    so threads of one process queue like separate processes)."""

    def __init__(self, path: Path, exclusive: bool):
        self.path = path
        self.operation = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        self.fd: int | None = None

    def take(self, deadline: float, on_wait, describe) -> None:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        pause, announced, started = 0.002, False, time.monotonic()
        while True:
            try:
                fcntl.flock(self.fd, self.operation | fcntl.LOCK_NB)
                return
            except OSError as problem:
                if problem.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    self.release()
                    raise
            now = time.monotonic()
            if now >= deadline:
                holder = describe()
                self.release()
                raise StoreBusy(self.path.with_suffix(""), holder, now - started)
            if not announced and now - started >= ANNOUNCE_AFTER_S and on_wait is not None:
                on_wait(describe())
                announced = True
            time.sleep(min(pause, max(deadline - now, 0)))
            pause = min(pause * 2, 0.1)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor drops its flock
            self.fd = None


class Store:
    """The store of one process: shared with other processes (``shared=True``: the app and the
    command line), or holding one connection for its life (tests, benchmarks, ``:memory:``).

    ``read()``, ``write(purpose)`` and ``transaction(purpose)`` work in both; ``cursor()`` only
    in a store that holds its connection. A thread that is inside a unit of work and opens
    another gets the same connection (a read inside a write reads what the write wrote); a write
    inside a read is a programming error, because it would wait for itself.
    """

    def __init__(self, path: str | Path | None = None, *, shared: bool = False,
                 read_wait_s: float | None = None, write_wait_s: float | None = None):
        self.path = ":memory:" if str(path) == ":memory:" else Path(path or default_db_path())
        self.shared = shared and self.path != ":memory:"
        self.read_wait_s = read_wait_s if read_wait_s is not None else _wait_setting("SINKVIEW_READ_WAIT", DEFAULT_READ_WAIT_S)
        self.write_wait_s = write_wait_s if write_wait_s is not None else _wait_setting("SINKVIEW_WRITE_WAIT", DEFAULT_WRITE_WAIT_S)
        self.on_wait = None  # called once with what holds the store when a unit of work waits
        self._local = threading.local()
        self.connection: duckdb.DuckDBPyConnection | None = None
        if self.shared:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._bring_up_to_date()
        else:
            self.connection = connect(self.path)

    # ----------------------------------------------------------------- units of work

    @contextlib.contextmanager
    def read(self):
        """A connection for reading, for one unit of work (read-only and closed after, when shared)."""
        unit = getattr(self._local, "unit", None)
        if unit is not None:  # inside a read or a write of this thread: the same connection
            yield unit[1]
            return
        if not self.shared:
            yield self.cursor()
            return
        con, release = self._acquire(exclusive=False, purpose=None)
        if getattr(self._local, "batch", False):  # kept open until the batch ends (see ``batch``)
            self._local.unit = ("batch", con, release)
            yield con
            return
        self._local.unit = ("read", con, release)
        try:
            yield con
        finally:
            self._local.unit = None
            release()

    @contextlib.contextmanager
    def batch(self):
        """Reads of this thread until the end of the block share one read-only connection, opened
        by the first read that needs one (none at all when every read is answered from a cache);
        a write in the block closes it first. The app runs each page run in one batch."""
        if getattr(self._local, "batch", False):
            yield
            return
        self._local.batch = True
        try:
            yield
        finally:
            self._local.batch = False
            self._end_batch_read()

    def _end_batch_read(self) -> None:
        unit = getattr(self._local, "unit", None)
        if unit is not None and unit[0] == "batch":
            self._local.unit = None
            unit[2]()

    @contextlib.contextmanager
    def write(self, purpose: str, wait_s: float | None = None):
        """A read-write connection for one unit of work; writes of all processes take turns.

        ``purpose`` (``"load referrals.csv"``) is what a waiting process is told holds the store;
        ``wait_s`` overrides how long to wait for it. The caller begins and commits its own
        transactions (see ``transaction``)."""
        self._end_batch_read()
        unit = getattr(self._local, "unit", None)
        if unit is not None:
            if unit[0] == "read":
                raise RuntimeError("a write inside a read of the same thread would wait for itself")
            yield unit[1]
            return
        if not self.shared:
            cursor = self.connection.cursor()
            self._local.unit = ("write", cursor, None)
            try:
                yield cursor
            finally:
                self._local.unit = None
                cursor.close()
            return
        con, release = self._acquire(exclusive=True, purpose=purpose, wait_s=wait_s)
        self._local.unit = ("write", con, release)
        try:
            yield con
        finally:
            self._local.unit = None
            release()

    @contextlib.contextmanager
    def transaction(self, purpose: str):
        """A write whose statements form one transaction: committed at the end, rolled back on error."""
        with self.write(purpose) as con:
            con.execute("begin transaction")
            try:
                yield con
            except BaseException:
                con.execute("rollback")
                raise
            con.execute("commit")

    def _acquire(self, exclusive: bool, purpose: str | None, wait_s: float | None = None):
        """Take the lock (readers behind any waiting writer), open DuckDB; returns the connection
        and the function that closes it and lets go."""
        if wait_s is None:
            wait_s = self.write_wait_s if exclusive else self.read_wait_s
        deadline = time.monotonic() + wait_s
        gate = _FileLock(self._sidecar("gate"), exclusive=exclusive)
        lock = _FileLock(self._sidecar("lock"), exclusive=exclusive)
        gate.take(deadline, self.on_wait, self.describe_holders)
        try:
            lock.take(deadline, self.on_wait, self.describe_holders)
        except BaseException:
            gate.release()
            raise
        if not exclusive:
            gate.release()  # a reader only passes the gate; a writer keeps it until done
        else:
            self._announce(purpose)
        try:
            con = self._connect(read_only=not exclusive, deadline=deadline)
        except BaseException:
            self._release(exclusive, gate, lock)
            raise

        def release() -> None:
            try:
                con.close()
            finally:
                self._release(exclusive, gate, lock)
        return con, release

    def _release(self, exclusive: bool, gate: _FileLock, lock: _FileLock) -> None:
        if exclusive:
            self._announce(None)
            self._count_generation()
        lock.release()
        gate.release()

    def _count_generation(self) -> None:
        """Count one more finished write (under the write lock, so no two writers race)."""
        path = self._sidecar("generation")
        try:
            count = int(path.read_text() or 0)
        except (OSError, ValueError):
            count = 0
        try:
            path.write_text(str(count + 1))
        except OSError:
            pass

    def generation(self) -> tuple:
        """Changes after every write of any process (a count the writers keep beside the store,
        and the file's size and time for writers outside this protocol). Costs two ``stat``s and
        a tiny read: the app asks it on every interaction to know whether anything changed."""
        if not self.shared:
            return (id(self), time.monotonic_ns())  # a held store: assume it changed
        signature = []
        for path in (self._sidecar("generation"), self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                info = path.stat()
                signature.append((info.st_size, info.st_mtime_ns))
            except OSError:
                signature.append(None)
        try:
            signature.append(self._sidecar("generation").read_text())
        except OSError:
            signature.append(None)
        return tuple(signature)

    def _connect(self, read_only: bool, deadline: float) -> duckdb.DuckDBPyConnection:
        """Open DuckDB, retrying while a process outside this protocol holds the file."""
        pause, started = 0.005, time.monotonic()
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only, config=CONNECTION_CONFIG)
            except (duckdb.IOException, duckdb.ConnectionException) as problem:
                text = str(problem)
                if "different configuration" in text:  # never between units of work: a programming error
                    raise RuntimeError(f"{self.path} is held open by this process outside store.read() "
                                       f"and store.write() (a Store that is not shared?)") from problem
                if "lock" not in text.lower():
                    raise
                if time.monotonic() >= deadline:
                    raise StoreBusy(self.path, text.splitlines()[0], time.monotonic() - started) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.1)

    # ----------------------------------------------------------------- who holds it

    def _sidecar(self, kind: str) -> Path:
        return self.path.with_name(f"{self.path.name}.{kind}")

    def _announce(self, purpose: str | None) -> None:
        """Write (or clear) what this process is writing, in the gate file others read while waiting."""
        text = "" if purpose is None else (
            f"process {os.getpid()} ({_command_line(os.getpid())}) writing since "
            f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}: {purpose}")
        try:
            with open(self._sidecar("gate"), "r+", encoding="utf-8") as handle:
                handle.truncate(0)
                handle.write(text)
        except OSError:
            pass

    def describe_holders(self) -> str:
        """What holds the store now: the writing process and its purpose, or the processes reading it."""
        try:
            writing = self._sidecar("gate").read_text(encoding="utf-8").strip()
        except OSError:
            writing = ""
        if writing:
            return writing
        readers = _processes_locking(self._sidecar("lock"))
        if readers:
            return "read by " + "; ".join(f"process {pid} ({_command_line(pid)})" for pid in readers)
        return "held by another unit of work of this process"

    # ----------------------------------------------------------------- schema and legacy API

    def _bring_up_to_date(self) -> None:
        if self.path.exists():
            with self.read() as con:
                if _is_up_to_date(con):
                    return
        with self.write("migrate the schema") as con:
            migrate(con)
            install_staging_models(con)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the held connection (a store that is not shared)."""
        if self.shared:
            raise RuntimeError("a shared store keeps nothing open: use store.read() or store.write(purpose)")
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self.connection.cursor()
            self._local.cursor = cur
        return cur

    def is_empty(self) -> bool:
        with self.read() as con:
            return con.execute("select count(*) from institutions").fetchall()[0][0] == 0

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def warn_while_waiting(what: str) -> None:
    """An ``on_wait`` for the command line: one line on standard error."""
    print(f"waiting for the store: {what}", file=sys.stderr, flush=True)
