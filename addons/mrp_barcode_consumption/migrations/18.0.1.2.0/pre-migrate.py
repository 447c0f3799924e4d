"""18.0.1.2.0: the scan log keeps only the indexes its queries use.

A row of ``mrp_barcode_scan`` is inserted at every scan, and each index costs
that insert. The key lookup uses the unique index on (scan_id) WHERE is_key,
the undo and the log of an order the index on production_id; the column
indexes below served no query (``ilike`` searches of the log, or values most
rows share). Odoo keeps an index whose field loses ``index=True``: they are
dropped here.
"""

DROPPED = (
    "mrp_barcode_scan__scan_id_index",
    "mrp_barcode_scan__result_index",
    "mrp_barcode_scan__code_index",
    "mrp_barcode_scan__device_id_index",
    "mrp_barcode_scan__user_id_index",
    "mrp_barcode_scan__company_id_index",
)


def migrate(cr, version):
    for name in DROPPED:
        cr.execute(f'DROP INDEX IF EXISTS "{name}"')
