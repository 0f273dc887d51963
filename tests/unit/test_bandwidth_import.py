"""The usage import with Gateway bandwidth rows: cloud and on-premises sites, each kind of bad
row, all-or-nothing and --partial, re-import, files mixing license and bandwidth rows, the CLI."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.licensing.importer import import_usage
from partner_portal.models import BandwidthDay, BandwidthSource, Entitlement, Organization, Term

from ..factories import make_org
from ..licensing_factories import make_entitlement, make_service, stored_usage

TODAY = date(2025, 6, 30)
HEADER = "orgid,service,day,source,site,bandwidth_mb"
BOTH = "orgid,service,day,licenses_assigned,newly_assigned,daily_active_users,monthly_active_users,source,site,bandwidth_mb"
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "bandwidth-sample.csv"


def write_csv(tmp_path: Path, *lines: str, header: str = HEADER, name: str = "bandwidth.csv") -> Path:
    """Write a CSV file with the header and the given lines."""
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def stored(entitlement: Entitlement) -> list[tuple[int, str, str, int]]:
    """(day of month, source, site, megabytes) of the entitlement's stored bandwidth, in key order."""
    db.session.expire_all()
    rows = db.session.scalars(select(BandwidthDay).where(BandwidthDay.entitlement_id == entitlement.id)
                              .order_by(BandwidthDay.day, BandwidthDay.source, BandwidthDay.site))
    return [(row.day.day, row.source.value, row.site, row.megabytes) for row in rows]


def bandwidth_count() -> int:
    """All stored bandwidth rows."""
    return db.session.scalar(select(func.count()).select_from(BandwidthDay))


@pytest.fixture
def world():
    """A customer with a Gateway entitlement and a DaaS one."""
    for code in ("daas-user", "gateway"):
        make_service(code)
    org = make_org("Contoso")
    gateway = make_entitlement(org, "gateway", license_count=100, term=Term.MONTHLY)
    daas = make_entitlement(org, "daas-user", license_count=50)
    return org, gateway, daas


def test_cloud_and_site_rows_are_stored_per_source(tmp_path, world):
    org, gateway, _ = world
    path = write_csv(
        tmp_path,
        f"{org.orgid},gateway,2025-06-01,cloud,,1500",
        f"{org.orgid},gateway,2025-06-01,on-premises,ams-dc1,700",
        f"{org.orgid},gateway,2025-06-01,On-Premises, fra-dc2 ,20",
        f"{org.orgid},gateway,2025-06-02,CLOUD,,0",
    )
    report = import_usage(path, today=TODAY)
    assert report.ok and report.rows_imported == 4 and report.entitlements_touched == 1
    assert stored(gateway) == [(1, "cloud", "", 1500), (1, "on-premises", "ams-dc1", 700),
                               (1, "on-premises", "fra-dc2", 20), (2, "cloud", "", 0)]
    # Bandwidth never touches the licenses-assigned figure.
    assert db.session.get(Entitlement, gateway.id).licenses_assigned == 0


def test_a_file_may_mix_license_and_bandwidth_rows(tmp_path, world):
    org, gateway, daas = world
    path = write_csv(
        tmp_path,
        f"{org.orgid},daas-user,2025-06-01,40,40,12,35,,,",
        f"{org.orgid},gateway,2025-06-01,,,,,on-premises,ams-dc1,700",
        header=BOTH,
    )
    report = import_usage(path, today=TODAY)
    assert report.ok, report.errors
    assert report.entitlements_touched == 2
    assert stored(gateway) == [(1, "on-premises", "ams-dc1", 700)]
    assert [d.assigned for d in stored_usage(daas)] == [40]
    assert db.session.get(Entitlement, daas.id).licenses_assigned == 40


@pytest.mark.parametrize("line, reason", [
    ("{orgid},gateway,2025-06-01,satellite,,10", "source must be cloud or on-premises, got 'satellite'"),
    ("{orgid},gateway,2025-06-01,,,10", "source is empty"),
    ("{orgid},gateway,2025-06-01,on-premises,,10", "site is empty; an on-premises row names its site"),
    ("{orgid},gateway,2025-06-01,cloud,ams-dc1,10", "site must be empty on a cloud row, got 'ams-dc1'"),
    ("{orgid},gateway,2025-06-01,on-premises," + "s" * 65 + ",10", "site is longer than 64 characters"),
    ("{orgid},gateway,2025-06-01,on-premises,ams\tdc1,10", "site 'ams\\tdc1' has control characters"),
    ("{orgid},gateway,2025-06-01,on-premises,=1+2,10", "site must start with a letter or digit, got '=1+2'"),
    ("{orgid},gateway,2025-06-01,cloud,,-5", "bandwidth_mb is negative (-5)"),
    ("{orgid},gateway,2025-06-01,cloud,,1.5", "bandwidth_mb must be a whole number, got '1.5'"),
    ("{orgid},gateway,2025-06-01,cloud,,", "bandwidth_mb is empty"),
    ("{orgid},gateway,2025-06-01,cloud,,99999999999", "bandwidth_mb is too large ('99999999999')"),
    ("{orgid},gateway,2025-07-01,cloud,,10", "day 2025-07-01 is in the future"),
    ("{orgid},daas-user,2025-06-01,cloud,,10",
     "daas-user is licensed: the file has no licenses_assigned or newly_assigned or daily_active_users or "
     "monthly_active_users column and source, bandwidth_mb must be empty"),
    ("{orgid},gateway,2025-06-01,cloud,,10\n{orgid},gateway,2025-06-01,cloud,,11",
     "duplicate: an earlier line already has this entitlement from cloud on 2025-06-01"),
])
def test_each_bad_bandwidth_row_is_reported_and_nothing_is_written(tmp_path, world, line, reason):
    org, gateway, _ = world
    path = write_csv(tmp_path, f"{org.orgid},gateway,2025-05-31,on-premises,ams-dc1,10", line.format(orgid=org.orgid))
    report = import_usage(path, today=TODAY)
    assert not report.ok and report.rows_imported == 0 and report.rows_rejected == 1
    assert report.errors[0].reason == reason
    assert bandwidth_count() == 0


def test_license_figures_on_a_bandwidth_row_are_refused(tmp_path, world):
    org, _, _ = world
    report = import_usage(write_csv(tmp_path, f"{org.orgid},gateway,2025-06-01,40,,,,cloud,,10", header=BOTH),
                          today=TODAY)
    assert [str(e) for e in report.errors] == [
        "line 2: gateway is measured in bandwidth: licenses_assigned must be empty"]
    report = import_usage(write_csv(tmp_path, f"{org.orgid},daas-user,2025-06-01,40,40,12,35,cloud,,10",
                                    header=BOTH), today=TODAY)
    assert [str(e) for e in report.errors] == ["line 2: daas-user is licensed: source, bandwidth_mb must be empty"]
    assert bandwidth_count() == 0


def test_the_same_day_from_other_sources_is_no_duplicate(tmp_path, world):
    org, gateway, _ = world
    path = write_csv(
        tmp_path,
        f"{org.orgid},gateway,2025-06-01,cloud,,1",
        f"{org.orgid},gateway,2025-06-01,on-premises,ams-dc1,2",
        f"{org.orgid},gateway,2025-06-01,on-premises,fra-dc2,3",
        f"{org.orgid},gateway,2025-06-01,on-premises,ams-dc1,4",
    )
    report = import_usage(path, today=TODAY, partial=True)
    assert [str(e) for e in report.errors] == [
        "line 5: duplicate: an earlier line already has this entitlement from on-premises ams-dc1 on 2025-06-01"]
    assert stored(gateway) == [(1, "cloud", "", 1), (1, "on-premises", "ams-dc1", 2), (1, "on-premises", "fra-dc2", 3)]


def test_partial_keeps_good_bandwidth_rows_and_reimport_replaces_a_day(tmp_path, world):
    org, gateway, _ = world
    path = write_csv(tmp_path, f"{org.orgid},gateway,2025-06-01,cloud,,100",
                     f"{org.orgid},gateway,2025-06-02,cloud,,oops", name="first.csv")
    assert import_usage(path, today=TODAY).rows_imported == 0 and bandwidth_count() == 0
    report = import_usage(path, today=TODAY, partial=True)
    assert (report.rows_imported, report.rows_rejected) == (1, 1)
    again = write_csv(tmp_path, f"{org.orgid},gateway,2025-06-01,cloud,,250", name="second.csv")
    assert import_usage(again, today=TODAY).ok
    assert stored(gateway) == [(1, "cloud", "", 250)]


@pytest.mark.parametrize("header, message", [
    ("orgid,service,day,source,site", "line 1: missing column bandwidth_mb"),
    ("orgid,service,day,site,bandwidth_mb", "line 1: missing column source"),
    ("orgid,service,source,bandwidth_mb", "line 1: missing column day"),
    ("orgid,service,day", "line 1: missing columns licenses_assigned, newly_assigned, daily_active_users, "
                          "monthly_active_users; bandwidth rows have source and bandwidth_mb instead of the counts"),
])
def test_bad_bandwidth_header_is_fatal(tmp_path, world, header, message):
    org, _, _ = world
    report = import_usage(write_csv(tmp_path, f"{org.orgid},gateway,2025-06-01,cloud,,1", header=header),
                          today=TODAY, partial=True)
    assert report.fatal == message and bandwidth_count() == 0


def test_rows_from_python(world):
    org, gateway, _ = world
    rows = [{"orgid": org.orgid, "service": "gateway", "entitlement_id": gateway.id, "day": date(2025, 6, 1),
             "source": "on-premises", "site": "ams-dc1", "bandwidth_mb": 12}]
    assert import_usage(rows, today=TODAY).ok
    missing = [{"orgid": org.orgid, "service": "gateway", "day": date(2025, 6, 2), "source": "cloud"}]
    assert [str(e) for e in import_usage(missing, today=TODAY).errors] == [
        "line 2: gateway is measured in bandwidth: the file has no bandwidth_mb column"]
    assert stored(gateway) == [(1, "on-premises", "ams-dc1", 12)]


def test_cli_imports_bandwidth(app, tmp_path, world):
    org, gateway, _ = world
    path = write_csv(tmp_path, f"{org.orgid},gateway,2025-06-01,cloud,,100",
                     f"{org.orgid},gateway,2025-06-01,on-premises,ams-dc1,50")
    result = app.test_cli_runner().invoke(args=["usage", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Imported 2 rows for 1 entitlement.\n"
    assert len(stored(gateway)) == 2


def test_sample_file_in_docs_imports(tmp_path, world):
    """docs/samples/bandwidth-sample.csv is written for two organizations with these ORGIDs."""
    annual = Organization(name="Sample Annual", orgid="4100000003")
    monthly = Organization(name="Sample Monthly", orgid="4100000004")
    db.session.add_all([annual, monthly])
    db.session.flush()
    sites = make_entitlement(annual, "gateway", license_count=500, start=date(2024, 7, 1), end=date(2025, 6, 30))
    cloud = make_entitlement(monthly, "gateway", license_count=100, term=Term.MONTHLY)
    report = import_usage(shutil.copy(SAMPLE, tmp_path / "sample.csv"), today=TODAY)
    assert report.ok, (report.fatal, report.errors)
    assert report.rows_imported == 12 and report.entitlements_touched == 2
    assert {source for _, source, _, _ in stored(sites)} == {"cloud", "on-premises"}
    assert {source for _, source, _, _ in stored(cloud)} == {BandwidthSource.CLOUD.value}
