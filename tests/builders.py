"""Shared builders of test ledgers: files shaped as users' systems write them."""

from __future__ import annotations

import csv
import io


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str = "utf-8", title=()) -> bytes:
    """A CSV as Excel saves it: optional title lines above the header, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in title:
        writer.writerow([line])
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def store_with(path, *files: tuple[bytes, str]):
    """A store at ``path`` with ``files`` (bytes, file name) imported in order, and its cursor."""
    from sinkview.ingest.importer import import_file
    from sinkview.store.database import Store

    store = Store(path)
    cursor = store.cursor()
    for raw, name in files:
        import_file(cursor, raw, name)
    return store, cursor


def insert_rows(cursor, table: str, columns: str, rows, **same) -> None:
    """Insert ``rows`` (tuples in the order of the space-separated ``columns``) into ``table``;
    each keyword names a further column that takes the same value in every row."""
    names = [*columns.split(), *same]
    marks = ", ".join(["?"] * len(names))
    values = [(*row, *same.values()) for row in rows]
    if values:
        cursor.executemany(f"insert into {table} ({', '.join(names)}) values ({marks})", values)


def insert_institutions(cursor, columns: str, rows, name: str = "{}", **same) -> None:
    """Insert institutions from rows that start with ``inst_id`` followed by ``columns``; each is
    named ``name`` filled with its code (``"{}院"``: C1 -> C1院)."""
    insert_rows(cursor, "institutions", f"inst_id inst_name {columns}",
                [(row[0], name.format(row[0]), *row[1:]) for row in rows], **same)


def serve_to_app(path, monkeypatch) -> None:
    """Point the app at the closed store file ``path``, with Streamlit's caches emptied."""
    import streamlit as st

    monkeypatch.setenv("SINKVIEW_DB", str(path))
    st.cache_resource.clear()
    st.cache_data.clear()


def fill_indicator_ledgers(cursor, data, township: str | None = None) -> None:
    """The indicator fixture of tests/test_indicators.py (module ``data``) in an open store;
    ``township`` names every institution's and village's township."""
    insert_institutions(cursor, "tier community", data.INSTITUTIONS, township=township)
    insert_rows(cursor, "expert_rotations",
                "record_id expert_id home_inst_id host_inst_id title_level start_date end_date patients_served",
                data.ROTATIONS, specialty="internal", activity="clinic")
    insert_rows(cursor, "referrals",
                "referral_id patient_key referral_date from_inst_id to_inst_id status accepted_date", data.REFERRALS)
    insert_rows(cursor, "village_coverage",
                "snapshot_date village_code township_center_id clinic_id population village_doctors licensed_doctors"
                " contracted_residents insurance_settlement telemedicine party_group ecg_device",
                data.VILLAGES, village_name="v", township=township or "t")
    insert_rows(cursor, "staff_movements",
                "movement_id staff_id movement_type from_inst_id to_inst_id start_date title_level party_member",
                [(row[0], "S" + row[0], *row[1:]) for row in data.MOVEMENTS])
    insert_rows(cursor, "service_volume",
                "period inst_id community outpatient_visits admissions tcm_visits insurance_fund", data.VOLUME)
