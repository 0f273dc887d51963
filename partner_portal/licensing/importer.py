"""Import daily usage per entitlement from CSV (or from rows built in Python, as the demo does).

The format is described in docs/usage-import.md. Each row is one day of one entitlement,
found by the customer's ORGID and the service code (plus entitlement_start or entitlement_id
when a customer holds several entitlements of the service): license counts for licensed
services, or the bandwidth of one source (the cloud service or an on-premises site) for
bandwidth services. One file may hold both kinds.

Memory stays bounded whatever the file's length: rows are streamed and written in batches,
ORGID look-ups are cached per organization (not per row), and duplicate detection keeps one
bit per entitlement and calendar day. Only the first MAX_REPORTED_ERRORS bad rows are kept
for the report; the rest are counted.

import_usage() never commits: the caller does (the CLI after a successful import, the demo
builder once the whole world is built).
"""

from __future__ import annotations

import csv
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, update

from ..extensions import db
from ..models import BandwidthDay, BandwidthSource, Entitlement, Organization, Service, UsageDay

BASE_COLUMNS = ("orgid", "service", "day")
# The columns of a file of license usage.
REQUIRED_COLUMNS = BASE_COLUMNS + (
    "licenses_assigned",
    "newly_assigned",
    "daily_active_users",
    "monthly_active_users",
)
OPTIONAL_COLUMNS = ("entitlement_start", "entitlement_id", "peak_concurrent")
# Bandwidth rows give these instead of the license counts (site only for on-premises rows).
BANDWIDTH_REQUIRED = ("source", "bandwidth_mb")
BANDWIDTH_COLUMNS = ("source", "site", "bandwidth_mb")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS + BANDWIDTH_COLUMNS

# CSV count column -> usage_day column.
COUNT_COLUMNS = {
    "licenses_assigned": "assigned",
    "newly_assigned": "newly_assigned",
    "daily_active_users": "daily_active",
    "monthly_active_users": "monthly_active",
}
LICENSE_ONLY_COLUMNS = (*COUNT_COLUMNS, "peak_concurrent")
SOURCES = {source.value: source for source in BandwidthSource}
SITE_MAX_LENGTH = 64

# Earlier days are refused: they are almost always a mistyped year (0024-05-01), and the
# bound keeps duplicate detection at one small bitmap per entitlement.
EARLIEST_DAY = date(2000, 1, 1)
# usage_day columns are 32-bit INTEGERs.
MAX_COUNT = 2**31 - 1
DEFAULT_BATCH_SIZE = 5_000
DEFAULT_PROGRESS_EVERY = 100_000
MAX_REPORTED_ERRORS = 1_000
# Organizations remembered between batches; past this the cache starts again, so a file full
# of distinct unknown ORGIDs cannot grow memory without limit.
LOOKUP_CACHE_LIMIT = 100_000
# Ids per IN (...) list, well under SQLite's bound-parameter limit.
IN_CHUNK = 1_000

Progress = Callable[[str, int], None]


class UsageImportError(Exception):
    """The import could not run to the end (the file became unreadable, or the database
    changed under it); nothing was written."""


@dataclass(frozen=True)
class RowError:
    """One rejected row: its line number in the file (the header is line 1) and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        """The error as the CLI prints it: "line 7: <reason>"."""
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    """What an import read, wrote and rejected."""

    partial: bool = False
    rows_read: int = 0
    rows_imported: int = 0
    rows_rejected: int = 0
    entitlements_touched: int = 0
    # A problem with the file as a whole (bad header, not UTF-8, broken quoting): nothing written.
    fatal: str | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every row was good and imported."""
        return self.fatal is None and self.rows_rejected == 0

    @property
    def written(self) -> bool:
        """True when rows were written (the caller should commit)."""
        return self.rows_imported > 0

    @property
    def errors_not_listed(self) -> int:
        """Rejected rows beyond the first MAX_REPORTED_ERRORS, counted but not listed."""
        return self.rows_rejected - len(self.errors)

    def reject(self, line: int, reason: str) -> None:
        """Count a bad row, keeping its reason while the list is short."""
        self.rows_rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(line, reason))


class _Fatal(Exception):
    """The file cannot be read further; carries the message for ImportReport.fatal."""


# --- reading ------------------------------------------------------------------------------------


def _shorten(text: str, limit: int = 40) -> str:
    """Quote a value for a message, cut short so one absurd cell cannot bloat the report."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _check_header(names: list[str]) -> None:
    """Raise _Fatal when the header misses a required column, repeats one, or has an unknown one.

    A file with any license count needs all of them; one with any bandwidth column needs source
    and bandwidth_mb; a file may have both sets (rows of either kind).
    """
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise _Fatal(f"line 1: unknown column {_shorten(unknown[0])}; the columns are {', '.join(COLUMNS)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise _Fatal(f"line 1: column {repeated[0]} appears twice")
    licensed = any(name in COUNT_COLUMNS for name in names)
    measured = any(name in BANDWIDTH_COLUMNS for name in names)
    wanted = (REQUIRED_COLUMNS if licensed or not measured else BASE_COLUMNS) + (BANDWIDTH_REQUIRED if measured else ())
    missing = [name for name in wanted if name not in names]
    if missing:
        hint = "" if licensed or measured else "; bandwidth rows have source and bandwidth_mb instead of the counts"
        raise _Fatal(f"line 1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}{hint}")


def _csv_rows(path: str | os.PathLike[str]) -> Iterator[tuple[int, dict[str, str] | str]]:
    """Yield (line number, values by column) for each data row of a CSV file, or (line, reason)
    for a row with the wrong number of values. Blank lines are skipped."""
    # utf-8-sig drops the byte-order mark spreadsheet programs put in front.
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise _Fatal("the file is empty; it needs a header row")
            names = [name.strip().lower() for name in header]
            _check_header(names)
            width = len(names)
            line = reader.line_num + 1
            for row in reader:
                if row:
                    if len(row) == width:
                        yield line, dict(zip(names, row, strict=True))
                    elif len(row) == 1 and not row[0].strip():
                        pass  # a line of spaces
                    else:
                        yield line, f"expected {width} values (one per column), found {len(row)}"
                line = reader.line_num + 1
        except csv.Error as error:
            raise _Fatal(f"line {reader.line_num}: the CSV is malformed ({error})") from None
        except UnicodeDecodeError:
            # The text layer decodes ahead in blocks, so the reader's line count says nothing here.
            raise _Fatal(f"line {_first_undecodable_line(path)}: the file is not UTF-8 text") from None


def _first_undecodable_line(path: str | os.PathLike[str]) -> int:
    """The number of the first line that is not UTF-8, counting lines as the CSV reader does."""
    number = 0
    with open(path, "rb") as handle:
        for block in handle:
            # splitlines also ends lines at a lone \r, as the text layer with newline="" does; no
            # byte of a multi-byte UTF-8 character is \r or \n, so no character is split.
            for line in block.splitlines(keepends=True):
                number += 1
                try:
                    line.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError:
                    return number
    return number


def _mapping_rows(rows: Iterable[Mapping]) -> Iterator[tuple[int, dict[str, str] | str]]:
    """Yield rows given as mappings (column -> value) in the CSV's shape, numbered as if the
    first one were line 2 of a file. Values are turned into text as a CSV file would hold them."""
    for line, row in enumerate(rows, start=2):
        unknown = [key for key in row if key not in COLUMNS]
        # The figures a row needs depend on its service: the checker reports those.
        missing = [name for name in BASE_COLUMNS if name not in row]
        if unknown or missing:
            yield line, (f"unknown column {_shorten(str(unknown[0]))}" if unknown else f"missing column {missing[0]}")
            continue
        yield line, {key: "" if value is None else str(value) for key, value in row.items()}


def _reader(source) -> Callable[[], Iterator[tuple[int, dict[str, str] | str]]]:
    """Return a function that starts a fresh pass over the source (the import may read twice)."""
    if isinstance(source, (str, os.PathLike)):
        return lambda: _csv_rows(source)
    if callable(source):
        return lambda: _mapping_rows(source())
    if iter(source) is source:
        raise TypeError(
            "import_usage reads its rows twice: pass a path, a list, or a function that returns a fresh iterable"
        )
    return lambda: _mapping_rows(source)


# --- checking one row ---------------------------------------------------------------------------


def _parse_count(text: str, column: str, reasons: list[str]) -> int | None:
    """Parse a non-negative whole number, or note why it is not one."""
    text = text.strip()
    if text.isascii() and text.isdigit():
        # Length first: int() refuses strings of thousands of digits with its own error.
        number = int(text) if len(text.lstrip("0")) <= len(str(MAX_COUNT)) else MAX_COUNT + 1
        if number <= MAX_COUNT:
            return number
        reasons.append(f"{column} is too large ({_shorten(text, 20)})")
    elif not text:
        reasons.append(f"{column} is empty")
    elif text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        reasons.append(f"{column} is negative ({text})")
    else:
        reasons.append(f"{column} must be a whole number, got {_shorten(text)}")
    return None


def _parse_date(text: str, column: str, reasons: list[str]) -> date | None:
    """Parse a YYYY-MM-DD date, or note why it is not one."""
    text = text.strip()
    # fromisoformat alone would also take 20240501 and week dates; the format is YYYY-MM-DD only.
    if len(text) == 10 and text.isascii() and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    reasons.append(f"{column} {_shorten(text)} is not a date in YYYY-MM-DD form")
    return None


def _is_orgid(text: str) -> bool:
    """True when `text` (already stripped) has the shape of an ORGID: ASCII digits only."""
    return text.isascii() and text.isdigit()


@dataclass(frozen=True)
class _Candidate:
    """An entitlement a row may belong to."""

    id: int
    start: date
    end: date | None

    def covers(self, day: date) -> bool:
        """True when the entitlement runs on `day`."""
        return self.start <= day and (self.end is None or day <= self.end)


class _Entitlements:
    """Finds the entitlement of a row; organizations are looked up once per batch, in bulk."""

    def __init__(self, services: dict[str, bool]):
        self.services = services  # code -> is measured in bandwidth
        self.by_orgid: dict[str, dict[str, list[_Candidate]] | None] = {}

    def prefetch(self, orgids: set[str]) -> None:
        """Load the entitlements of every ORGID not seen yet, in a few IN (...) queries."""
        missing = sorted(orgids - self.by_orgid.keys())
        if not missing:
            return
        if len(self.by_orgid) + len(missing) > LOOKUP_CACHE_LIMIT:
            self.by_orgid.clear()
        for start in range(0, len(missing), IN_CHUNK):
            chunk = missing[start : start + IN_CHUNK]
            for orgid in chunk:
                self.by_orgid[orgid] = None
            rows = db.session.execute(
                select(
                    Organization.orgid,
                    Entitlement.id,
                    Entitlement.service_code,
                    Entitlement.start_date,
                    Entitlement.end_date,
                )
                .outerjoin(Entitlement, Entitlement.organization_id == Organization.id)
                .where(Organization.orgid.in_(chunk))
                .order_by(Entitlement.id)
            )
            for orgid, entitlement_id, service, start_date, end_date in rows:
                services = self.by_orgid[orgid]
                if services is None:
                    services = self.by_orgid[orgid] = {}
                # A pending trial request (no start date) cannot have usage yet.
                if entitlement_id is not None and start_date is not None:
                    services.setdefault(service, []).append(_Candidate(entitlement_id, start_date, end_date))

    def resolve(
        self,
        orgid: str,
        service: str,
        day: date,
        entitlement_id: int | None,
        entitlement_start: date | None,
        reasons: list[str],
    ) -> int | None:
        """Return the id of the row's entitlement, or note why there is none."""
        services = self.by_orgid.get(orgid)
        if services is None:
            reasons.append(f"no organization has ORGID {orgid}")
            return None
        candidates = services.get(service, [])
        if not candidates:
            reasons.append(f"ORGID {orgid} has no {service} entitlement")
            return None
        if entitlement_id is not None:
            matches = [c for c in candidates if c.id == entitlement_id]
            if not matches:
                reasons.append(f"ORGID {orgid} has no {service} entitlement with id {entitlement_id}")
                return None
        elif entitlement_start is not None:
            matches = [c for c in candidates if c.start == entitlement_start]
            if not matches:
                reasons.append(f"ORGID {orgid} has no {service} entitlement starting {entitlement_start}")
                return None
        elif len(candidates) == 1:
            matches = candidates
        else:
            # Several entitlements of the service: the day's usage belongs to the one running then.
            matches = [c for c in candidates if c.covers(day)]
            if not matches:
                matches = candidates
        if len(matches) > 1:
            reasons.append(
                f"ORGID {orgid} has {len(matches)} {service} entitlements that could match; "
                "add entitlement_start or entitlement_id to choose one"
            )
            return None
        return matches[0].id


class _SeenDays:
    """Which (series, day) pairs the file has already had: one bit per day since EARLIEST_DAY.
    A series is an entitlement's license usage, or one source of its bandwidth."""

    def __init__(self):
        self.bits: dict[int | tuple[int, str, str], bytearray] = {}

    def add(self, series: int | tuple[int, str, str], day: date) -> bool:
        """Record the pair; False when it was there already."""
        byte, bit = divmod(day.toordinal() - _EARLIEST_ORDINAL, 8)
        bits = self.bits.setdefault(series, bytearray())
        if byte >= len(bits):
            # Grow by at least a year's worth so a file in day order does not resize every week.
            bits.extend(bytes(max(byte + 1 - len(bits), 46)))
        mask = 1 << bit
        if bits[byte] & mask:
            return False
        bits[byte] |= mask
        return True


_EARLIEST_ORDINAL = EARLIEST_DAY.toordinal()


class _Checker:
    """Turns the text of one row into a usage_day row, or a list of reasons it is bad."""

    def __init__(self, services: dict[str, bool], entitlements: _Entitlements, today: date):
        self.services = services
        self.entitlements = entitlements
        self.today = today
        self.seen = _SeenDays()

    def check(self, values: dict[str, str]) -> tuple[dict | None, str | None]:
        """Return (usage_day or bandwidth_day values, None) for a good row, or (None, reason)
        for a bad one."""
        reasons: list[str] = []
        orgid = values["orgid"].strip()
        if not _is_orgid(orgid):
            reasons.append(f"orgid must be digits, got {_shorten(orgid)}" if orgid else "orgid is empty")
        service = values["service"].strip().lower()
        if service not in self.services:
            reasons.append(f"unknown service {_shorten(service)}" if service else "service is empty")
        day = _parse_date(values["day"], "day", reasons)
        if day is not None and day > self.today:
            reasons.append(f"day {day} is in the future")
        elif day is not None and day < EARLIEST_DAY:
            reasons.append(f"day {day} is before {EARLIEST_DAY}")
        # A row of an unknown service is checked as the kind its columns describe.
        measured = self.services.get(service, values.get("licenses_assigned") is None)
        row = (_bandwidth_figures if measured else _license_figures)(values, service, reasons)
        wanted_id = values.get("entitlement_id", "").strip()
        entitlement_id = _parse_count(wanted_id, "entitlement_id", reasons) if wanted_id else None
        wanted_start = values.get("entitlement_start", "").strip()
        entitlement_start = _parse_date(wanted_start, "entitlement_start", reasons) if wanted_start else None
        if reasons:
            return None, "; ".join(reasons)
        found = self.entitlements.resolve(orgid, service, day, entitlement_id, entitlement_start, reasons)
        if found is None:
            return None, "; ".join(reasons)
        if not self.seen.add((found, row["source"].value, row["site"]) if measured else found, day):
            where = f" from {row['source'].value} {row['site']}".rstrip() if measured else ""
            return None, f"duplicate: an earlier line already has this entitlement{where} on {day}"
        row["entitlement_id"] = found
        row["day"] = day
        return row, None


def _needs_columns(
    values: dict[str, str], service: str, kind: str, needed: Iterable[str], unwanted: Iterable[str], reasons: list[str]
) -> None:
    """Note when a row of `kind` lacks the columns its figures come from, or fills those of the
    other kind (which would be silently dropped)."""
    absent = [column for column in needed if values.get(column) is None]
    filled = [column for column in unwanted if (values.get(column) or "").strip()]
    problems = []
    if absent:
        problems.append(f"the file has no {' or '.join(absent)} column")
    if filled:
        problems.append(f"{', '.join(filled)} must be empty")
    if problems:
        reasons.append(f"{service} is {kind}: {' and '.join(problems)}")


def _license_figures(values: dict[str, str], service: str, reasons: list[str]) -> dict:
    """The usage_day figures of a license row, noting what is wrong with them."""
    _needs_columns(values, service, "licensed", COUNT_COLUMNS, BANDWIDTH_COLUMNS, reasons)
    row: dict = {}
    for column, target in COUNT_COLUMNS.items():
        text = values.get(column)
        row[target] = None if text is None else _parse_count(text, column, reasons)
    peak = (values.get("peak_concurrent") or "").strip()
    row["peak_concurrent"] = _parse_count(peak, "peak_concurrent", reasons) if peak else None
    if (
        row["daily_active"] is not None
        and row["monthly_active"] is not None
        and row["daily_active"] > row["monthly_active"]
    ):
        # Anyone active in the last 24 hours is also active in the last 30 days.
        reasons.append(
            f"daily_active_users ({row['daily_active']}) exceeds monthly_active_users ({row['monthly_active']})"
        )
    return row


def _bandwidth_figures(values: dict[str, str], service: str, reasons: list[str]) -> dict:
    """The bandwidth_day figures of a bandwidth row, noting what is wrong with them."""
    _needs_columns(values, service, "measured in bandwidth", BANDWIDTH_REQUIRED, LICENSE_ONLY_COLUMNS, reasons)
    text = (values.get("source") or "").strip()
    source = SOURCES.get(text.lower())
    if source is None and values.get("source") is not None:
        reasons.append(f"source must be cloud or on-premises, got {_shorten(text)}" if text else "source is empty")
    site = (values.get("site") or "").strip()
    if source is BandwidthSource.ON_PREMISES and not site:
        reasons.append("site is empty; an on-premises row names its site")
    elif source is BandwidthSource.CLOUD and site:
        reasons.append(f"site must be empty on a cloud row, got {_shorten(site)}")
    elif len(site) > SITE_MAX_LENGTH:
        reasons.append(f"site is longer than {SITE_MAX_LENGTH} characters")
    elif not site.isprintable():
        reasons.append(f"site {_shorten(site)} has control characters")
    elif site and not site[0].isalnum():
        # Site names become column headers of CSV exports: "=..." must never reach a spreadsheet.
        reasons.append(f"site must start with a letter or digit, got {_shorten(site)}")
    text = values.get("bandwidth_mb")
    megabytes = None if text is None else _parse_count(text, "bandwidth_mb", reasons)
    return {"source": source, "site": site, "megabytes": megabytes}


# --- writing --------------------------------------------------------------------------------------


def _upsert(rows: list[dict]) -> None:
    """Insert a batch, replacing days already stored (INSERT ... ON CONFLICT DO UPDATE, which
    SQLite and PostgreSQL spell the same way), as one executemany per table."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        raise NotImplementedError(f"the usage import supports SQLite and PostgreSQL, not {dialect}")
    licensed = [row for row in rows if "megabytes" not in row]
    measured = [row for row in rows if "megabytes" in row]
    if licensed:
        statement = insert(UsageDay.__table__)
        statement = statement.on_conflict_do_update(
            index_elements=["entitlement_id", "day"],
            set_={
                name: statement.excluded[name]
                for name in ("assigned", "newly_assigned", "daily_active", "monthly_active", "peak_concurrent")
            },
        )
        db.session.execute(statement, licensed)
    if measured:
        statement = insert(BandwidthDay.__table__)
        statement = statement.on_conflict_do_update(
            index_elements=["entitlement_id", "day", "source", "site"],
            set_={"megabytes": statement.excluded.megabytes},
        )
        db.session.execute(statement, measured)


def refresh_licenses_assigned(entitlement_ids: Iterable[int]) -> None:
    """Copy each entitlement's latest day of assigned licenses into Entitlement.licenses_assigned,
    with one UPDATE (a correlated subquery) per thousand entitlements."""
    latest = (
        select(UsageDay.assigned)
        .where(UsageDay.entitlement_id == Entitlement.id)
        .order_by(UsageDay.day.desc())
        .limit(1)
        .correlate(Entitlement)
        .scalar_subquery()
    )
    ids = sorted(entitlement_ids)
    for start in range(0, len(ids), IN_CHUNK):
        db.session.execute(
            update(Entitlement)
            .where(Entitlement.id.in_(ids[start : start + IN_CHUNK]))
            .values(licenses_assigned=latest)
            # Loaded Entitlement objects get the new figure on next access.
            .execution_options(synchronize_session="fetch")
        )


# --- the import --------------------------------------------------------------------------------


def _batches(rows: Iterator, size: int) -> Iterator[list]:
    """Split an iterator into lists of `size` items."""
    while batch := list(itertools.islice(rows, size)):
        yield batch


@contextmanager
def _fatal_to_report(report: ImportReport):
    """Record a _Fatal raised while reading as the report's fatal message."""
    try:
        yield
    except _Fatal as fatal:
        report.fatal = str(fatal)


def _scan(
    read,
    checker: _Checker,
    report: ImportReport,
    batch_size: int,
    write: bool,
    touched: set[tuple[int, bool]],
    progress: Progress | None,
    progress_every: int,
) -> None:
    """One pass over the rows: check each, and with `write` store the good ones batch by batch,
    noting (entitlement id, has bandwidth rows) in `touched`."""
    phase = "imported" if write else "checked"
    next_report = progress_every
    for batch in _batches(read(), batch_size):
        # Only well-formed ORGIDs reach the query (a NUL, for one, fails it on PostgreSQL); the
        # others are rejected by check() with their reason.
        checker.entitlements.prefetch(
            {
                orgid
                for _line, values in batch
                if isinstance(values, dict) and _is_orgid(orgid := values["orgid"].strip())
            }
        )
        good = []
        for line, values in batch:
            report.rows_read += 1
            if isinstance(values, str):
                report.reject(line, values)
                continue
            row, reason = checker.check(values)
            if reason is not None:
                report.reject(line, reason)
            else:
                good.append(row)
        if write and good:
            _upsert(good)
            touched.update((row["entitlement_id"], "megabytes" in row) for row in good)
            report.rows_imported += len(good)
        if progress is not None and progress_every and report.rows_read >= next_report:
            progress(phase, report.rows_read)
            next_report = (report.rows_read // progress_every + 1) * progress_every


def import_usage(
    source,
    *,
    partial: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    today: date | None = None,
    progress: Progress | None = None,
    progress_every: int = DEFAULT_PROGRESS_EVERY,
) -> ImportReport:
    """Import daily usage rows and return an ImportReport; never commits.

    `source` is a CSV file path, a list of mappings in the CSV's shape, or a function returning
    a fresh iterable of them. By default every row is checked first and nothing is written when
    any row is bad; with `partial`, good rows are written in the same single pass and bad ones
    are listed. A day already stored for an entitlement is replaced. `progress(phase, rows)`
    is called every `progress_every` rows. Raises UsageImportError when the data changed
    between the checking and the writing pass (nothing is written then).
    """
    today = today or date.today()
    read = _reader(source)
    services = dict(db.session.execute(select(Service.code, Service.is_bandwidth)).all())
    entitlements = _Entitlements(services)
    report = ImportReport(partial=partial)
    touched: set[tuple[int, bool]] = set()

    if not partial:
        with _fatal_to_report(report):
            _scan(
                read,
                _Checker(services, entitlements, today),
                report,
                batch_size,
                False,
                touched,
                progress,
                progress_every,
            )
        if not report.ok:
            return report
        report = ImportReport(partial=partial)

    # All writes sit in a savepoint, so a file that turns unreadable half-way leaves nothing behind.
    savepoint = db.session.begin_nested()
    try:
        with _fatal_to_report(report):
            _scan(
                read,
                _Checker(services, entitlements, today),
                report,
                batch_size,
                True,
                touched,
                progress,
                progress_every,
            )
    except BaseException:
        savepoint.rollback()
        raise
    if report.fatal is not None or (not partial and report.rows_rejected):
        savepoint.rollback()
        if not partial and report.fatal is None:
            raise UsageImportError(
                "the organizations or entitlements changed during the import; nothing was imported, run it again"
            )
        report.rows_imported = 0
        return report
    refresh_licenses_assigned(entitlement_id for entitlement_id, measured in touched if not measured)
    savepoint.commit()
    report.entitlements_touched = len({entitlement_id for entitlement_id, _ in touched})
    return report
