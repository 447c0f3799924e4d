"""Read a stock snapshot file (CSV, TSV or XLSX) into checked rows.

Pure Python, no Odoo import: the wizard, the API endpoint and the benchmark
share it. A snapshot row is::

    SnapshotRow(row=2, sku="SKU-1", location="WH-A-01", lot="L1",
                status="available", quantity=12.0, unit="EA")

``row`` is the row number in the file (1 is the header). Every problem is
raised as :class:`SnapshotError` naming the rows and what to do; a file is
read whole or not at all.
"""

import csv
import io
import math
import re
from dataclasses import dataclass

# The snapshot fields, and the headers that usually carry them (lower case, compared
# without spaces, dashes and underscores). Sources: Odoo's own stock.quant import
# template, OCA stock_inventory_import, MasonHub, Amazon FBA reports, SAP EWM.
FIELDS = ("sku", "location", "lot", "status", "quantity", "unit")
REQUIRED = ("sku", "quantity")
GUESSES = {
    "sku": (
        "sku",
        "customeridentifier",
        "skuid",
        "sellersku",
        "product",
        "productcode",
        "code",
        "defaultcode",
        "internalreference",
        "item",
        "itemnumber",
        "barcode",
    ),
    "location": ("location", "locationcode", "bin", "storagebin", "locationid", "warehouse"),
    "lot": ("lot", "lotserialnumber", "lotnumber", "batch", "serial", "serialnumber"),
    "status": (
        "status",
        "inventorystatus",
        "stocktype",
        "ewmstocktype",
        "condition",
        "warehouseconditioncode",
        "bucket",
    ),
    "quantity": (
        "countedquantity",
        "quantity",
        "qty",
        "onhand",
        "quantityavailable",
        "availableewmstockqty",
        "afnwarehousequantity",
    ),
    "unit": ("unit", "uom", "unitofmeasure", "ewmstockquantitybaseunit"),
}
MAX_ROWS = 500_000
MAX_PROBLEMS_SHOWN = 10
# "[CODE] Name", as Odoo exports a product.
ODOO_PRODUCT_LABEL = re.compile(r"^\[(?P<code>[^\]]+)\]\s")


class SnapshotError(ValueError):
    """The file cannot be used: the message says which rows and what to do."""


@dataclass
class SnapshotRow:
    row: int
    sku: str
    location: str = ""
    lot: str = ""
    status: str = ""
    quantity: float = 0.0
    unit: str = ""


def _norm(header):
    return re.sub(r"[\s_\-/]+", "", str(header or "")).lower()


def read_table(content, file_name=""):
    """The header and the data rows of a CSV, TSV or XLSX file, as text.

    :param bytes content: the file's bytes.
    :param str file_name: used only to tell XLSX from text.
    :returns: ``(header: list[str], rows: list[list[str]])``.
    :raises SnapshotError: not a spreadsheet or text file, no header, too many rows.
    """
    if not content:
        raise SnapshotError("The file is empty: export the snapshot again.")
    if content[:2] == b"PK" or file_name.lower().endswith(".xlsx"):
        table = _read_xlsx(content)
    else:
        table = _read_text(content)
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise SnapshotError("The file has no rows.")
    header = [cell.strip() for cell in table[0]]
    if len(table) - 1 > MAX_ROWS:
        raise SnapshotError(
            f"The file has {len(table) - 1} rows; at most {MAX_ROWS} are read at once: "
            "split it by warehouse."
        )
    return header, table[1:]


def _read_text(content):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            raise SnapshotError(
                "The file is neither UTF-8 text nor an XLSX workbook: save it as CSV (UTF-8) "
                "or XLSX."
            )
    if "\x00" in text:
        raise SnapshotError("The file is binary, not CSV text: save it as CSV (UTF-8) or XLSX.")
    first = text.split("\n", 1)[0]
    delimiter = max(("\t", ";", ",", "|"), key=first.count)
    if not first.count(delimiter):
        delimiter = ","
    try:
        return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise SnapshotError(f"The CSV file is malformed ({exc}): check its quotes.")


def _read_xlsx(content):
    try:
        import openpyxl  # noqa: PLC0415 - shipped with Odoo; only XLSX needs it
    except ImportError:  # pragma: no cover - Odoo's requirements include it
        raise SnapshotError("XLSX files need openpyxl: save the file as CSV instead.")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SnapshotError(
            f"The XLSX workbook cannot be read ({exc.__class__.__name__}): save it again, "
            "or as CSV."
        )
    try:
        sheet = workbook.worksheets[0]
        return [
            ["" if cell is None else _cell_text(cell) for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        workbook.close()


def _cell_text(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def guess_mapping(header):
    """{field: header} for the snapshot fields recognised among ``header``."""
    normalised = {_norm(name): name for name in header}
    mapping = {}
    for field_name in FIELDS:
        for guess in GUESSES[field_name]:
            if guess in normalised and normalised[guess] not in mapping.values():
                mapping[field_name] = normalised[guess]
                break
    return mapping


def parse_quantity(text):
    """A finite number from a cell (``1 234,5`` and ``1,234.5`` both read); None if not."""
    value = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if "," in value and "." in value:
        value = value.replace(",", "")
    elif "," in value:
        value = value.replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _problem(problems, message):
    problems.append(message)


def _raise(problems, what, advice):
    shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
    more = len(problems) - MAX_PROBLEMS_SHOWN
    tail = f" (and {more} more)" if more > 0 else ""
    raise SnapshotError(f"{what}: {shown}{tail}. {advice}")


def rows_from_table(header, rows, mapping, sum_duplicates=False):
    """Check and convert the data rows with ``mapping`` {field: header}.

    :returns: list of :class:`SnapshotRow`.
    :raises SnapshotError: a required column is unmapped or missing from the
        header; a quantity is not a number or is negative; two rows have the
        same SKU, location, lot and status (unless ``sum_duplicates``).
    """
    missing = [name for name in REQUIRED if not mapping.get(name)]
    if missing:
        raise SnapshotError(
            f"Choose the column of {' and '.join(missing)}: the file's columns are "
            f"{', '.join(header)}."
        )
    index = {}
    for field_name, column in mapping.items():
        if not column:
            continue
        if column not in header:
            raise SnapshotError(
                f"Column {column!r} (for {field_name}) is not in the file; its columns are "
                f"{', '.join(header)}."
            )
        index[field_name] = header.index(column)
    width = len(header)
    bad_numbers, negatives, no_sku, duplicates = [], [], [], []
    seen = {}
    result = []
    for offset, cells in enumerate(rows):
        number = offset + 2
        cells = list(cells) + [""] * (width - len(cells))

        def cell(name, cells=cells):
            return str(cells[index[name]]).strip() if name in index else ""

        sku = cell("sku")
        match = ODOO_PRODUCT_LABEL.match(sku)
        if match:
            sku = match.group("code").strip()
        raw_quantity = cell("quantity")
        quantity = parse_quantity(raw_quantity)
        if not sku:
            _problem(no_sku, f"row {number}")
            continue
        if quantity is None:
            _problem(bad_numbers, f"row {number} ({raw_quantity!r})")
            continue
        if quantity < 0:
            _problem(negatives, f"row {number} ({sku}: {quantity:g})")
            continue
        line = SnapshotRow(
            row=number,
            sku=sku,
            location=cell("location"),
            lot=cell("lot"),
            status=cell("status").lower(),
            quantity=quantity,
            unit=cell("unit"),
        )
        key = (line.sku, line.location, line.lot, line.status)
        if key in seen:
            if sum_duplicates:
                seen[key].quantity += quantity
                continue
            _problem(duplicates, f"rows {seen[key].row} and {number} ({sku})")
            continue
        seen[key] = line
        result.append(line)
    if bad_numbers:
        _raise(
            bad_numbers,
            f"{len(bad_numbers)} quantities are not numbers",
            "Is the quantity column the right one, or does the file repeat its header?",
        )
    if negatives:
        _raise(
            negatives,
            f"{len(negatives)} quantities are negative",
            "A snapshot counts what is there: fix the export; nothing was imported.",
        )
    if no_sku:
        _raise(no_sku, f"{len(no_sku)} rows have no SKU", "Fill them in or remove them.")
    if duplicates:
        _raise(
            duplicates,
            f"{len(duplicates)} rows repeat the same SKU, location, lot and status",
            "Remove the duplicates, or tick 'Sum duplicate lines' if they are partial counts.",
        )
    if not result:
        raise SnapshotError("The file has a header but no data rows.")
    return result


def read_snapshot(content, file_name="", mapping=None, sum_duplicates=False):
    """Read a whole file: ``(header, mapping used, rows)``; see :func:`rows_from_table`."""
    header, rows = read_table(content, file_name)
    mapping = mapping or guess_mapping(header)
    return header, mapping, rows_from_table(header, rows, mapping, sum_duplicates)
