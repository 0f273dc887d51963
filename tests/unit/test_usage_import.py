"""The usage import: good files, each kind of bad row, all-or-nothing and --partial, re-import,
the CLI, progress, and a large file streamed in batches."""
from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.licensing import importer
from partner_portal.licensing.importer import MAX_REPORTED_ERRORS, import_usage
from partner_portal.models import CommitModel, Entitlement, Organization, UsageDay

from ..factories import make_org
from ..licensing_factories import make_entitlement, make_service, stored_usage

TODAY = date(2025, 6, 30)
HEADER = "orgid,service,day,licenses_assigned,newly_assigned,daily_active_users,monthly_active_users"
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "usage-sample.csv"


def write_csv(tmp_path: Path, *lines: str, name: str = "usage.csv", header: str = HEADER) -> Path:
    """Write a CSV file with the header and the given lines."""
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def usage_count() -> int:
    """All stored usage days."""
    return db.session.scalar(select(func.count()).select_from(UsageDay))


@pytest.fixture
def world():
    """A customer with one DaaS entitlement, and the service catalogue."""
    for code in ("daas-user", "daas-concurrent", "gateway", "endpoint-management"):
        make_service(code)
    org = make_org("Contoso")
    entitlement = make_entitlement(org, "daas-user", license_count=100)
    return org, entitlement


def test_good_file_is_imported_and_updates_the_assigned_count(tmp_path, world):
    org, entitlement = world
    path = write_csv(
        tmp_path,
        f"{org.orgid},daas-user,2025-06-01,40,40,12,35",
        f"{org.orgid},daas-user,2025-06-03,47,7,20,41",
        f"{org.orgid},daas-user,2025-06-02,44,4,15,38",
    )
    report = import_usage(path, today=TODAY)
    assert report.ok and report.rows_read == 3 and report.rows_imported == 3 and report.entitlements_touched == 1
    days = stored_usage(entitlement)
    assert [(d.day.day, d.assigned, d.newly_assigned, d.daily_active, d.monthly_active, d.peak_concurrent)
            for d in days] == [(1, 40, 40, 12, 35, None), (2, 44, 4, 15, 38, None), (3, 47, 7, 20, 41, None)]
    # The latest day, not the last line of the file, sets the entitlement's figure.
    assert db.session.get(Entitlement, entitlement.id).licenses_assigned == 47


def test_optional_columns_any_order_bom_blank_lines_and_crlf(tmp_path, world):
    org, _ = world
    concurrent = make_entitlement(org, "daas-concurrent", start=date(2025, 1, 1))
    path = tmp_path / "usage.csv"
    path.write_bytes(
        "\ufeffService,ORGID,day,peak_concurrent,licenses_assigned,newly_assigned,monthly_active_users,"
        "daily_active_users,entitlement_start\r\n"
        f"daas-concurrent,{org.orgid},2025-06-01,9,20,20,18,12,2025-01-01\r\n"
        "\r\n"
        f"\"daas-concurrent\",\"{org.orgid}\",2025-06-02,,21,1,19,13,\r\n".encode("utf-8"))
    report = import_usage(path, today=TODAY)
    assert report.ok, report.errors
    assert [(d.assigned, d.daily_active, d.monthly_active, d.peak_concurrent) for d in stored_usage(concurrent)] == [
        (20, 12, 18, 9), (21, 13, 19, None)]


@pytest.mark.parametrize("line, reason", [
    ("{orgid},daas-user,2025-06-01,40,40,12", "expected 7 values (one per column), found 6"),
    ("{orgid},daas-user,2025-06-01,40,40,12,35,9", "expected 7 values (one per column), found 8"),
    ("9999999999,daas-user,2025-06-01,40,40,12,35", "no organization has ORGID 9999999999"),
    ("ACME,daas-user,2025-06-01,40,40,12,35", "orgid must be digits, got 'ACME'"),
    (",daas-user,2025-06-01,40,40,12,35", "orgid is empty"),
    ("{orgid},daas-everything,2025-06-01,40,40,12,35", "unknown service 'daas-everything'"),
    ("{orgid},gateway,2025-06-01,40,40,12,35", "gateway is measured in bandwidth"),
    ("{orgid},endpoint-management,2025-06-01,40,40,12,35", "has no endpoint-management entitlement"),
    ("{orgid},daas-user,2025-13-01,40,40,12,35", "day '2025-13-01' is not a date in YYYY-MM-DD form"),
    ("{orgid},daas-user,2025/06/01,40,40,12,35", "day '2025/06/01' is not a date"),
    ("{orgid},daas-user,20250601,40,40,12,35", "day '20250601' is not a date"),
    ("{orgid},daas-user,,40,40,12,35", "day '' is not a date"),
    ("{orgid},daas-user,2025-07-01,40,40,12,35", "day 2025-07-01 is in the future"),
    ("{orgid},daas-user,0025-06-01,40,40,12,35", "day 0025-06-01 is before 2000-01-01"),
    ("{orgid},daas-user,2025-06-01,-4,40,12,35", "licenses_assigned is negative (-4)"),
    ("{orgid},daas-user,2025-06-01,40,1.5,12,35", "newly_assigned must be a whole number, got '1.5'"),
    ("{orgid},daas-user,2025-06-01,40,40,,35", "daily_active_users is empty"),
    ("{orgid},daas-user,2025-06-01,40,40,12,99999999999", "monthly_active_users is too large"),
    ("{orgid},daas-user,2025-06-01,40,40,12," + "9" * 5000, "monthly_active_users is too large ('99999"),
    ("{orgid},daas-user,2025-06-01,40,40,36,35", "daily_active_users (36) exceeds monthly_active_users (35)"),
])
def test_each_bad_row_is_reported_by_line_and_nothing_is_written(tmp_path, world, line, reason):
    org, entitlement = world
    path = write_csv(tmp_path, f"{org.orgid},daas-user,2025-05-31,40,40,12,35", line.format(orgid=org.orgid))
    report = import_usage(path, today=TODAY)
    assert not report.ok and report.rows_imported == 0 and report.rows_rejected == 1
    assert report.errors[0].line == 3
    assert reason in report.errors[0].reason
    assert usage_count() == 0
    assert db.session.get(Entitlement, entitlement.id).licenses_assigned == 0


def test_one_row_may_have_several_reasons(tmp_path, world):
    org, _ = world
    report = import_usage(write_csv(tmp_path, f"{org.orgid},daas-user,2025-02-30,x,-1,12,35"), today=TODAY)
    assert str(report.errors[0]) == ("line 2: day '2025-02-30' is not a date in YYYY-MM-DD form; licenses_assigned "
                                     "must be a whole number, got 'x'; newly_assigned is negative (-1)")


def test_duplicate_entitlement_and_day_inside_the_file(tmp_path, world):
    org, entitlement = world
    path = write_csv(
        tmp_path,
        f"{org.orgid},daas-user,2025-06-01,40,40,12,35",
        f"{org.orgid},daas-user,2025-06-02,41,1,12,35",
        f"{org.orgid},daas-user,2025-06-01,99,40,12,35",
    )
    report = import_usage(path, today=TODAY)
    assert [(e.line, e.reason) for e in report.errors] == [
        (4, "duplicate: an earlier line already has this entitlement on 2025-06-01")]
    partial = import_usage(path, today=TODAY, partial=True)
    assert partial.rows_imported == 2 and partial.rows_rejected == 1
    # In a partial import the first occurrence wins.
    assert [d.assigned for d in stored_usage(entitlement)] == [40, 41]


def test_line_numbers_count_physical_lines(tmp_path, world):
    org, _ = world
    path = write_csv(
        tmp_path,
        f"\"{org.orgid}\nX\",daas-user,2025-06-01,40,40,12,35",  # a quoted value spanning lines 2-3
        "",
        f"{org.orgid},daas-user,2025-06-31,40,40,12,35",
    )
    report = import_usage(path, today=TODAY)
    assert [e.line for e in report.errors] == [2, 5]


@pytest.mark.parametrize("header, message", [
    ("orgid,service,day,licenses_assigned,newly_assigned,daily_active_users", "line 1: missing column monthly_active_users"),
    (HEADER + ",colour", "line 1: unknown column 'colour'"),
    (HEADER + ",day", "line 1: column day appears twice"),
])
def test_bad_header_is_fatal(tmp_path, world, header, message):
    org, _ = world
    report = import_usage(write_csv(tmp_path, f"{org.orgid},daas-user,2025-06-01,40,40,12,35", header=header),
                          today=TODAY, partial=True)
    assert report.fatal.startswith(message) and report.rows_imported == 0 and usage_count() == 0


def test_empty_and_non_utf8_files_are_fatal(tmp_path, world):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "empty" in import_usage(empty, today=TODAY).fatal
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "\n").encode() + "1234,daas-usér,2025-06-01,1,1,1,1\n".encode("latin-1"))
    assert "not UTF-8" in import_usage(latin, today=TODAY).fatal


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("bad_line", [7, 5_000])
def test_a_bad_byte_is_reported_on_its_line(tmp_path, world, ending, bad_line):
    org, _ = world
    lines = [HEADER.encode()] + [f"{org.orgid},daas-user,2025-06-01,1,1,1,1".encode()] * (bad_line + 10)
    lines[bad_line - 1] = f"{org.orgid},daas-usér,2025-06-01,1,1,1,1".encode("latin-1")
    path = tmp_path / "usage.csv"
    path.write_bytes(ending.encode().join(lines) + ending.encode())
    for partial in (False, True):
        assert import_usage(path, today=TODAY, partial=partial).fatal == f"line {bad_line}: the file is not UTF-8 text"
    assert usage_count() == 0


@pytest.mark.parametrize("orgid", ["12\x0034", "{orgid}\x00", "\x00", "\x00{orgid}"])
def test_a_nul_in_orgid_is_a_rejected_row_and_never_queried(tmp_path, world, monkeypatch, orgid):
    org, entitlement = world
    orgid = orgid.format(orgid=org.orgid)
    looked_up: list[str] = []
    prefetch = importer._Entitlements.prefetch

    def spy(self, orgids):
        looked_up.extend(orgids)
        return prefetch(self, orgids)

    monkeypatch.setattr(importer._Entitlements, "prefetch", spy)
    path = write_csv(tmp_path, f"{org.orgid},daas-user,2025-06-01,40,40,12,35", f"{orgid},daas-user,2025-06-02,41,1,12,35")
    report = import_usage(path, today=TODAY, partial=True)
    assert [(e.line, e.reason) for e in report.errors] == [(3, f"orgid must be digits, got {orgid!r}")]
    assert report.rows_imported == 1 and [d.assigned for d in stored_usage(entitlement)] == [40]
    assert looked_up and all(o.isascii() and o.isdigit() for o in looked_up)


def test_partial_import_keeps_the_good_rows_and_lists_the_rest(tmp_path, world):
    org, entitlement = world
    path = write_csv(
        tmp_path,
        f"{org.orgid},daas-user,2025-06-01,40,40,12,35",
        f"{org.orgid},daas-user,2025-06-02,oops,1,12,35",
        f"{org.orgid},daas-user,2025-06-03,44,3,12,35",
        "0000000001,daas-user,2025-06-03,44,3,12,35",
    )
    strict = import_usage(path, today=TODAY)
    assert (strict.rows_imported, strict.rows_rejected, usage_count()) == (0, 2, 0)
    partial = import_usage(path, today=TODAY, partial=True)
    assert (partial.rows_read, partial.rows_imported, partial.rows_rejected) == (4, 2, 2)
    assert [e.line for e in partial.errors] == [3, 5]
    assert [d.day.day for d in stored_usage(entitlement)] == [1, 3]
    assert db.session.get(Entitlement, entitlement.id).licenses_assigned == 44


def test_reimporting_a_day_replaces_it(tmp_path, world):
    org, entitlement = world
    first = write_csv(tmp_path, f"{org.orgid},daas-user,2025-06-01,40,40,12,35",
                      f"{org.orgid},daas-user,2025-06-02,41,1,12,35", name="first.csv")
    second = write_csv(tmp_path, f"{org.orgid},daas-user,2025-06-02,52,12,20,45", name="second.csv")
    assert import_usage(first, today=TODAY).ok
    assert import_usage(first, today=TODAY).ok  # the same file again changes nothing
    assert [(d.day.day, d.assigned) for d in stored_usage(entitlement)] == [(1, 40), (2, 41)]
    assert import_usage(second, today=TODAY).ok
    assert [(d.day.day, d.assigned, d.newly_assigned, d.daily_active) for d in stored_usage(entitlement)] == [
        (1, 40, 40, 12), (2, 52, 12, 20)]
    assert db.session.get(Entitlement, entitlement.id).licenses_assigned == 52


def test_choosing_among_several_entitlements_of_a_service(tmp_path, world):
    org, old = world  # runs 2024-01-01 .. 2030-12-31
    make_service("endpoint-management")
    first = make_entitlement(org, "endpoint-management", start=date(2024, 1, 1), end=date(2024, 12, 31))
    second = make_entitlement(org, "endpoint-management", start=date(2025, 1, 1), end=date(2025, 12, 31))
    make_entitlement(org, "endpoint-management", start=None, end=None, is_trial=True)  # pending: never matches
    header = HEADER + ",entitlement_start,entitlement_id"
    path = write_csv(
        tmp_path,
        f"{org.orgid},endpoint-management,2024-12-31,5,5,1,4,,",            # the day picks the first
        f"{org.orgid},endpoint-management,2025-01-01,6,6,1,4,,",            # ... and the second
        f"{org.orgid},endpoint-management,2025-01-02,7,1,1,4,2024-01-01,",  # start date chooses
        f"{org.orgid},endpoint-management,2025-01-03,8,1,1,4,,{second.id}",  # id chooses
        header=header,
    )
    report = import_usage(path, today=TODAY)
    assert report.ok, report.errors
    assert [d.day for d in stored_usage(first)] == [date(2024, 12, 31), date(2025, 1, 2)]
    assert [d.day for d in stored_usage(second)] == [date(2025, 1, 1), date(2025, 1, 3)]

    overlapping = make_entitlement(org, "endpoint-management", start=date(2025, 6, 1), end=date(2026, 5, 31))
    bad = write_csv(
        tmp_path,
        f"{org.orgid},endpoint-management,2025-06-02,1,1,1,1,,",
        f"{org.orgid},endpoint-management,2025-06-02,1,1,1,1,2023-01-01,",
        f"{org.orgid},endpoint-management,2025-06-02,1,1,1,1,,{old.id}",
        f"{org.orgid},endpoint-management,2025-06-02,1,1,1,1,,{overlapping.id}",
        header=header, name="bad.csv",
    )
    report = import_usage(bad, today=TODAY)
    assert [(e.line, e.reason) for e in report.errors] == [
        (2, f"ORGID {org.orgid} has 2 endpoint-management entitlements that could match; "
            "add entitlement_start or entitlement_id to choose one"),
        (3, f"ORGID {org.orgid} has no endpoint-management entitlement starting 2023-01-01"),
        (4, f"ORGID {org.orgid} has no endpoint-management entitlement with id {old.id}"),
    ]


def test_rows_from_python(world):
    org, entitlement = world
    rows = [{"orgid": org.orgid, "service": "daas-user", "day": date(2025, 6, day), "licenses_assigned": 10 + day,
             "newly_assigned": 1, "daily_active_users": 3, "monthly_active_users": 9, "peak_concurrent": None}
            for day in (1, 2)]
    assert import_usage(rows, today=TODAY).rows_imported == 2
    assert import_usage(lambda: iter(rows), today=TODAY).rows_imported == 2
    bad = [{**rows[0], "colour": "red"}, {k: v for k, v in rows[1].items() if k != "day"}]
    assert [str(e) for e in import_usage(bad, today=TODAY, partial=True).errors] == [
        "line 2: unknown column 'colour'", "line 3: missing column day"]
    with pytest.raises(TypeError):
        import_usage(iter(rows), today=TODAY)
    assert db.session.get(Entitlement, entitlement.id).licenses_assigned == 12


def test_rows_that_turn_bad_between_the_two_passes_abort_the_import(world):
    org, _ = world
    good = {"orgid": org.orgid, "service": "daas-user", "day": "2025-06-01", "licenses_assigned": 1,
            "newly_assigned": 1, "daily_active_users": 1, "monthly_active_users": 1}
    passes = iter([[good, {**good, "day": "2025-06-02"}], [good, {**good, "orgid": "1"}]])
    with pytest.raises(importer.UsageImportError):
        import_usage(lambda: next(passes), today=TODAY, batch_size=1)
    assert usage_count() == 0


def test_reported_errors_are_capped_but_counted(tmp_path, world):
    org, _ = world
    lines = [f"{org.orgid},daas-user,2025-06-01,x,1,1,1"] * (MAX_REPORTED_ERRORS + 25)
    report = import_usage(write_csv(tmp_path, *lines), today=TODAY)
    assert len(report.errors) == MAX_REPORTED_ERRORS and report.errors_not_listed == 25
    assert report.rows_rejected == MAX_REPORTED_ERRORS + 25


def test_a_file_that_breaks_half_way_writes_nothing_even_when_partial(tmp_path, world):
    org, _ = world
    huge_cell = "x" * 200_000  # beyond the csv module's field size limit: the reader gives up
    path = write_csv(tmp_path, *[f"{org.orgid},daas-user,2025-06-{d:02d},1,1,1,1" for d in range(1, 11)],
                     f"{org.orgid},daas-user,2025-06-11,1,1,1,{huge_cell}")
    report = import_usage(path, today=TODAY, partial=True, batch_size=2)
    assert "line 12: the CSV is malformed" in report.fatal
    assert report.rows_imported == 0 and usage_count() == 0


def test_query_count_does_not_grow_with_rows(tmp_path, world, count_queries):
    org, entitlement = world
    other = make_entitlement(make_org(), "daas-user")
    other_orgid = db.session.get(Organization, other.organization_id).orgid

    def run(days: int) -> int:
        lines = [f"{orgid},daas-user,{TODAY - timedelta(days=n)},{n},1,1,2"
                 for n in range(days) for orgid in (org.orgid, other_orgid)]
        path = write_csv(tmp_path, *lines, name=f"q{days}.csv")
        with count_queries() as statements:
            assert import_usage(path, today=TODAY, batch_size=10_000).ok
        return len(statements)

    assert run(5) == run(400)


def test_monthly_commit_entitlement_takes_the_reset_counts_as_given(tmp_path, world):
    org, _ = world
    commit = make_entitlement(org, "daas-concurrent", commit_model=CommitModel.MONTHLY_COMMIT)
    path = write_csv(tmp_path, f"{org.orgid},daas-concurrent,2025-05-31,90,2,10,80",
                     f"{org.orgid},daas-concurrent,2025-06-01,6,6,6,80")
    assert import_usage(path, today=TODAY).ok
    assert db.session.get(Entitlement, commit.id).licenses_assigned == 6


# --- the command -------------------------------------------------------------------------------


def test_cli_imports_a_good_file(app, tmp_path, world):
    org, entitlement = world
    path = write_csv(tmp_path, f"{org.orgid},daas-user,2025-06-01,40,40,12,35",
                     f"{org.orgid},daas-user,2025-06-02,41,1,12,35")
    result = app.test_cli_runner().invoke(args=["usage", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Imported 2 rows for 1 entitlement.\n"
    assert len(stored_usage(entitlement)) == 2


def test_cli_refuses_a_file_with_bad_rows(app, tmp_path, world):
    org, _ = world
    path = write_csv(tmp_path, f"{org.orgid},daas-user,2025-06-01,40,40,12,35",
                     f"{org.orgid},daas-user,2099-06-02,41,1,12,35", f"{org.orgid},nope,2025-06-02,41,1,12,35")
    result = app.test_cli_runner().invoke(args=["usage", "import", str(path)])
    assert result.exit_code == 1
    assert "line 3: day 2099-06-02 is in the future" in result.stderr
    assert "line 4: unknown service 'nope'" in result.stderr
    assert "Nothing was imported: 2 of 3 rows are bad" in result.stderr
    assert result.stdout == "" and usage_count() == 0


def test_cli_partial(app, tmp_path, world):
    org, entitlement = world
    path = write_csv(tmp_path, f"{org.orgid},daas-user,2025-06-01,40,40,12,35",
                     f"{org.orgid},daas-user,2025-06-02,-41,1,12,35")
    result = app.test_cli_runner().invoke(args=["usage", "import", "--partial", str(path)])
    assert result.exit_code == 0
    assert "Rejected 1 rows:\nline 3: licenses_assigned is negative (-41)" in result.stderr
    assert result.stdout == "Imported 1 rows for 1 entitlement; rejected 1.\n"
    assert len(stored_usage(entitlement)) == 1


def test_cli_bad_header_and_missing_file(app, tmp_path, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["usage", "import", str(write_csv(tmp_path, header="orgid,service"))])
    assert result.exit_code == 1 and "line 1: missing columns day, licenses_assigned" in result.stderr
    assert runner.invoke(args=["usage", "import", str(tmp_path / "nope.csv")]).exit_code == 2


def test_cli_shows_progress_on_stderr(app, tmp_path, world):
    org, entitlement = world
    lines = [f"{org.orgid},daas-user,{TODAY - timedelta(days=n)},{n},1,1,2" for n in range(250)]
    path = write_csv(tmp_path, *lines)
    result = app.test_cli_runner().invoke(
        args=["usage", "import", str(path), "--progress-every", "100", "--batch-size", "50"])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == ["checked 100 rows…", "checked 200 rows…",
                                          "imported 100 rows…", "imported 200 rows…"]
    assert result.stdout == "Imported 250 rows for 1 entitlement.\n"


def test_sample_file_in_docs_imports(tmp_path, world):
    """docs/samples/usage-sample.csv is written for two organizations with these ORGIDs."""
    contoso = Organization(name="Sample Contoso", orgid="4100000001")
    fabrikam = Organization(name="Sample Fabrikam", orgid="4100000002")
    db.session.add_all([contoso, fabrikam])
    db.session.flush()
    make_entitlement(contoso, "daas-user", license_count=50, start=date(2024, 7, 1), end=date(2025, 6, 30))
    make_entitlement(contoso, "daas-user", license_count=25, start=date(2025, 1, 1), end=date(2025, 12, 31))
    make_entitlement(fabrikam, "daas-concurrent", license_count=40, commit_model=CommitModel.MONTHLY_COMMIT)
    report = import_usage(shutil.copy(SAMPLE, tmp_path / "sample.csv"), today=TODAY)
    assert report.ok, (report.fatal, report.errors)
    assert report.rows_imported >= 10 and report.entitlements_touched == 3


# --- a large file -----------------------------------------------------------------------------


def test_large_file_is_streamed_in_batches(tmp_path, world, monkeypatch):
    """200,000 rows (500 entitlements x 400 days) in 5,000-row batches."""
    make_service("daas-user")
    orgs = []
    for index in range(500):
        org = make_org(f"Big {index}")
        make_entitlement(org, "daas-user", license_count=1000)
        orgs.append(org.orgid)
    path = tmp_path / "large.csv"
    with open(path, "w") as handle:
        handle.write(HEADER + "\n")
        for offset in range(400):
            day = TODAY - timedelta(days=offset)
            for number, orgid in enumerate(orgs):
                handle.write(f"{orgid},daas-user,{day},{number + 400 - offset},1,{offset % 7},{number + 7}\n")
    written_batches = []
    real_upsert = importer._upsert
    monkeypatch.setattr(importer, "_upsert", lambda rows: (written_batches.append(len(rows)), real_upsert(rows)))
    progress = []
    report = import_usage(path, today=TODAY, progress=lambda phase, rows: progress.append((phase, rows)))
    assert report.ok and report.rows_imported == 200_000 and report.entitlements_touched == 500
    assert max(written_batches) == 5_000 and len(written_batches) == 40
    assert progress == [("checked", 100_000), ("checked", 200_000), ("imported", 100_000), ("imported", 200_000)]
    assert usage_count() == 200_000
    top = db.session.scalar(select(func.max(Entitlement.licenses_assigned)))
    assert top == 499 + 400
