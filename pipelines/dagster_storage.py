"""Dagster's SQLite event log with its database connections kept open between events.

Dagster's own `SqliteEventLogStorage` creates an SQLAlchemy engine for every statement it runs and closes
its connection afterwards (`NullPool`). An asset's event opens, commits and closes three to five
connections (the run's database, the index database and its asset and check tables), and in WAL mode
closing a database's last connection also checkpoints it: writes the log back into the file and syncs
it. A corrected register's refresh stores about 170 events and looks up the latest materialization of
each asset it records (data versions); a job of 40 assets and their checks (249 events) took 2.5–2.8 s
to run, 0.85–1.0 s with the engines kept (`make bench-ab` measures the refresh).

Everything else is Dagster's: the same databases, tables, transactions and busy timeout; a run's events
are committed one by one as before. Engines are kept for the few databases used last (the index and the
running run's; a long-lived webserver reads many runs). A database's file is still seen to change when
an event is written (its modification time is set): the webserver's live run logs watch that file, and a
kept connection writes to the WAL beside it until SQLite checkpoints.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

KEPT_ENGINES = 4  # the index, the running run, and a couple of runs a webserver page reads


class KeptOpenSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` whose engines (and their pooled connections) outlive one statement."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        # a forked child must not use its parent's SQLite connections: it opens its own (the hook holds
        # the storage weakly: hooks cannot be removed, and a process may open many instances)
        kept = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (storage := kept()) and storage._forget_engines())
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> KeptOpenSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.pop(shard, None)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
                )
                event.listen(engine, "connect", _synchronous_normal)
            self._engines[shard] = engine
            while len(self._engines) > KEPT_ENGINES:
                self._engines.popitem(last=False)[1].dispose()
            return engine

    def _forget_engines(self) -> None:
        for engine in self._engines.values():
            engine.dispose(close=False)
        self._engines = OrderedDict()
        self._engines_lock = threading.Lock()

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:  # as Dagster's, with a kept engine
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                sqlite = conn.connection.driver_connection
                changes = sqlite.total_changes
                with conn.begin():
                    yield conn
                if shard != INDEX_SHARD_NAME and sqlite.total_changes != changes:
                    _touch(self.path_for_shard(shard))

    def has_table(self, table_name: str) -> bool:  # Dagster's creates an engine for each question
        engine = self._engine(INDEX_SHARD_NAME)
        with engine.connect() as conn:
            return bool(engine.dialect.has_table(conn, table_name))

    def dispose(self) -> None:
        super().dispose()
        with self._engines_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()


def _synchronous_normal(dbapi_connection, _record) -> None:
    """In WAL mode, SQLite's NORMAL synchronisation syncs the log at checkpoints, not at every commit: a
    crash of the process loses nothing and the database stays whole; a power cut may lose the last events
    recorded. Dagster's default (FULL) synced every event: about 500 fdatasync calls a refresh."""
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _touch(path: str) -> None:
    """A run's events were written: its database file is seen to change (Dagster's watchers of a run's
    events, the webserver's live logs, wait for that file to change)."""
    try:
        os.utime(path)
    except OSError:
        pass
