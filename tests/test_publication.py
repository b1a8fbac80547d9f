"""Publication reuses what did not change, and checks what it publishes against the build."""

import os

import duckdb
import pytest

from pipelines.publish import PublicationError, publish
from pipelines.settings import Paths


@pytest.fixture
def site(tmp_path):
    paths = Paths(tmp_path / "raw", tmp_path / "marts", tmp_path / "work")
    paths.build_db.parent.mkdir(parents=True)
    con = duckdb.connect(str(paths.build_db))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA audit; CREATE SCHEMA staging")
    con.execute("CREATE TABLE marts.projects (id INTEGER NOT NULL, name VARCHAR)")
    con.execute("INSERT INTO marts.projects SELECT i, 'project ' || i FROM range(1000) t(i)")
    con.execute("CREATE TABLE marts.facilities AS SELECT i AS id, i % 7 AS kind FROM range(5000) t(i)")
    con.execute("CREATE TABLE audit.ingest_files AS SELECT 'projects/a.xlsx' AS path, 'loaded' AS status")
    con.execute("CREATE TABLE staging.private AS SELECT 1 AS x")
    con.close()
    return paths


def _build(paths, sql):
    con = duckdb.connect(str(paths.build_db))
    con.execute(sql)
    con.close()


def _published(paths, sql):
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _current(paths, name):
    return (paths.marts_dir / "current" / name).resolve()


def test_an_unchanged_mart_is_shared_with_the_previous_publication_and_a_changed_one_written(site):
    paths = site
    publish(paths, "run-0001")
    publish(paths, "run-0002")
    assert os.stat(_current(paths, "facilities.parquet")).st_nlink == 2  # the same file as the last one
    assert not os.stat(_current(paths, "facilities.parquet")).st_mode & 0o222  # still read-only
    _build(paths, "UPDATE marts.projects SET name = 'corrected' WHERE id = 7")
    publish(paths, "run-0003")
    assert os.stat(_current(paths, "projects.parquet")).st_nlink == 1  # written again
    assert os.stat(_current(paths, "facilities.parquet")).st_nlink == 2
    assert _published(paths, "SELECT name FROM marts.projects WHERE id = 7") == [("corrected",)]
    assert _published(paths, "SELECT run_id FROM audit.publication") == [("run-0003",)]
    tables = _published(paths, "SELECT schema_name || '.' || table_name FROM duckdb_tables() ORDER BY 1")
    assert tables == [("audit.ingest_files",), ("audit.publication",), ("marts.facilities",), ("marts.projects",)]
    columns = _published(paths, "SELECT is_nullable FROM information_schema.columns WHERE column_name = 'id'")
    assert ("NO",) in columns  # the declared NOT NULL constraint, as built


def test_a_previous_publication_that_was_altered_is_not_carried_over(site):
    """Someone wrote into the published warehouse (it is read-only, but root can): the next publication
    starts from a copy of it, finds the tables differ from the build, and writes the warehouse whole."""
    paths = site
    publish(paths, "run-0001")
    for i, alteration in enumerate(
        ["UPDATE marts.facilities SET kind = 99 WHERE id < 10", "CREATE TABLE marts.mine AS SELECT 1 AS x"]
    ):
        published = paths.published_db.resolve()
        published.chmod(0o644)
        con = duckdb.connect(str(published))
        con.execute(alteration)
        con.close()
        publish(paths, f"run-000{i + 2}")
        assert _published(paths, "SELECT count(*) FROM marts.facilities WHERE kind = 99") == [(0,)]
        assert _published(paths, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'mine'") == [(0,)]
        assert os.stat(_current(paths, "facilities.parquet")).st_nlink == 1  # written again, not linked


def test_a_published_table_that_differs_from_the_build_is_not_published(site, monkeypatch):
    from pipelines import publish as publication

    paths = site
    publish(paths, "run-0001")
    real = publication._digests

    def projects_differ(con, database, names):
        digests = real(con, database, names)
        if database == "published":
            digests["marts.projects"] = [-1, 0, None]
        return digests

    monkeypatch.setattr(publication, "_digests", projects_differ)
    with pytest.raises(PublicationError, match="marts.projects: the published table differs"):
        publish(paths, "run-0002")
    assert _published(paths, "SELECT run_id FROM audit.publication") == [("run-0001",)]


def test_a_table_whose_declared_type_changed_is_published_again(site):
    """Same values, new declared type (a contract changed): the values' hashes may not tell, the DDL does."""
    paths = site
    publish(paths, "run-0001")
    _build(paths, "ALTER TABLE marts.facilities ALTER kind TYPE INTEGER")
    publish(paths, "run-0002")
    kind = "SELECT data_type FROM information_schema.columns WHERE table_name = 'facilities' AND column_name = 'kind'"
    assert _published(paths, kind) == [("INTEGER",)]
    assert os.stat(_current(paths, "facilities.parquet")).st_nlink == 1


def _spy_in_place(monkeypatch) -> list:
    """What `_update_in_place` answered, table by table, in the publications that follow."""
    from pipelines import publish as publication

    answers = []
    real = publication._update_in_place

    def spy(con, build, name, before, ddl):
        answers.append((name, real(con, build, name, before, ddl)))
        return answers[-1][1]

    monkeypatch.setattr(publication, "IN_PLACE_FROM_ROWS", 1_000)  # the fixture's facilities: 5,000 rows
    monkeypatch.setattr(publication, "_update_in_place", spy)
    return answers


def test_a_large_table_with_few_changed_rows_is_updated_in_place(site, monkeypatch):
    paths = site
    publish(paths, "run-0001")
    answers = _spy_in_place(monkeypatch)
    _build(paths, "UPDATE marts.facilities SET kind = 70 WHERE id IN (3, 4); DELETE FROM marts.facilities WHERE id = 9")
    _build(paths, "INSERT INTO marts.facilities VALUES (5000, 1)")
    publish(paths, "run-0002")
    assert answers == [("marts.facilities", True)]
    assert _published(paths, "SELECT id, kind FROM marts.facilities WHERE id IN (3, 4, 9, 5000) ORDER BY id") == [
        (3, 70),
        (4, 70),
        (5000, 1),
    ]
    assert _published(paths, "SELECT count(*) FROM marts.facilities") == [(5000,)]
    assert os.stat(_current(paths, "facilities.parquet")).st_nlink == 1  # its Parquet file written again

    answers.clear()  # most rows changed: written whole
    _build(paths, "UPDATE marts.facilities SET kind = kind + 1 WHERE id % 2 = 0")
    publish(paths, "run-0003")
    assert answers == [("marts.facilities", False)]
    assert _published(paths, "SELECT id FROM marts.facilities WHERE kind = 71") == [(4,)]


def test_an_update_in_place_that_misses_a_row_held_twice_is_caught_and_written_whole(site, monkeypatch):
    """A row the build holds twice and the publication once has a hash that both hold: nothing to delete
    or insert; the digest check after it (row counts) finds the difference, and the warehouse is written
    whole."""
    paths = site
    publish(paths, "run-0001")
    answers = _spy_in_place(monkeypatch)
    _build(paths, "INSERT INTO marts.facilities SELECT * FROM marts.facilities WHERE id = 11")
    publish(paths, "run-0002")
    assert answers == [("marts.facilities", True)]  # it did what the hashes said…
    assert _published(paths, "SELECT count(*) FROM marts.facilities WHERE id = 11") == [(2,)]  # …and was caught
    assert _published(paths, "SELECT count(*) FROM marts.facilities") == [(5001,)]
