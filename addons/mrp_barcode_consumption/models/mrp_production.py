# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import hashlib
import json
import logging
import math
import re
import time
from collections import defaultdict

from psycopg2 import errors as pg_errors

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, float_is_zero, float_round

from ..services.scan_codes import OK_CODES

_logger = logging.getLogger(__name__)

#: Context key under which the service tells the outbox glue which scan moves stock.
SCAN_CONTEXT_KEY = "mrp_barcode_scan"

#: A quantity above this (in the component's unit) is a mistyped scan, not a consumption.
MAX_SCAN_QUANTITY = 1_000_000

#: Symbology identifiers (ISO/IEC 15424) and FNC1 that mark a GS1 element string.
GS1_PREFIXES = ("]C1", "]e0", "]d2", "]Q3", "]J1", "\x1d")
_HRI = re.compile(r"^(\(\d{2,4}\)[^()]*)+$")
#: A GS1 string without symbology identifier that starts with an SSCC or a GTIN.
_GS1_FIXED_START = re.compile(r"^(00\d{18}|0[12]\d{14})")
_FNC1_RUN = re.compile("\x1d{2,}")

STATES_OPEN = ("confirmed", "progress", "to_close")


def _blank(value):
    """Not given: None, False or an empty string (0 is a quantity, not a blank)."""
    return value is None or value is False or (isinstance(value, str) and not value.strip())


class ScanRefusal(Exception):
    """A business refusal inside the service: answered, logged, never raised out."""

    def __init__(self, code, message, **facts):
        super().__init__(message)
        self.code = code
        self.message = message
        self.facts = facts


class ScanKeyTaken(pg_errors.SerializationFailure):
    """Another transaction recorded the same scan id first: retry to replay its answer."""


class MrpProduction(models.Model):
    _inherit = "mrp.production"

    # ------------------------------------------------------------------
    # Public service
    # ------------------------------------------------------------------
    @api.model
    def consume_scan(
        self,
        barcode,
        production=None,
        quantity=None,
        uom=None,
        location=None,
        device_id=None,
        scan_id=None,
    ):
        """Consume one scanned component on a manufacturing order, at once.

        The only place where consumption by scan happens: the handheld screen,
        the device endpoint and any connector call it.

        :param str barcode: the raw scan: a product barcode, a lot or serial
            name, a package name, a GS1 element string (GS1-128, DataMatrix,
            DataBar; FNC1 as ASCII 29 or a ``]C1``-style symbology identifier,
            or the HRI form ``(01)...(10)...``) parsed with Odoo's GS1
            nomenclature (AIs 01 GTIN, 10 lot, 21 serial, 17 expiry, 30/37
            count, 310x net weight in kg; the AIs this module adds as *Other
            GS1 Data*, e.g. 11, 330x, 392x, 393x, 421, 90-99, are read and
            ignored; a leading ``^`` stands for FNC1), or an MO name.
        :param production: ``mrp.production`` id or name; ``None`` when the
            barcode is the MO's name: the answer then only opens that MO
            (code ``opened``).
        :param quantity: in ``uom`` (default: the component's unit); default
            1, a serial's 1, a GS1 count or weight, or a package's content.
        :param uom: ``uom.uom`` id or name, of the component's unit category.
        :param location: ``stock.location`` id to consume from (internal, of the
            MO's company); default the MO's component location and its children.
        :param str device_id: the handheld or terminal, for the log and the events.
        :param str scan_id: client-generated idempotency key (a UUID). The same
            scan id with the same request answers the stored answer again
            (``replayed``: true) and consumes nothing more; with another
            request it is refused with ``scan_conflict``.
        :return: dict ``{"ok", "code", "message", "scan_id", "production":
            {"id", "name", "state"}|None, "consumed": {"product_id", "product",
            "lot", "quantity", "uom"}|None, "components": [{"product_id",
            "product", "uom", "planned", "consumed", "remaining", "tracking"}],
            "warnings": [{"code", "message"}], "replayed"}``; quantities in the
            component's unit. Codes and HTTP statuses:
            ``services/scan_codes.py``.

        Business refusals do not raise: they answer ``ok`` false with a stable
        code and are written to the scan log (``mrp.barcode.scan``). An
        accepted scan posts a done split-off raw move of the MO (its own done
        move lines, on-hand and outbox events now); closing the MO consumes
        only what scans did not. PostgreSQL concurrency errors are raised
        unchanged, nothing written: the caller's transaction retries (Odoo's
        RPC does; doors that own their transaction use
        ``services.retrying.scan_with_retry``).
        """
        request = {
            "action": "consume",
            "barcode": barcode,
            "production": production,
            "quantity": quantity,
            "uom": uom,
            "location": location,
            "device_id": device_id,
        }
        return self._scan_run(request, scan_id, self._scan_consume)

    @api.model
    def undo_last_scan(self, production, device_id=None, scan_id=None):
        """Undo the last accepted scan of a manufacturing order (of this device, if given).

        Its done move lines are set to zero: the stock goes back where it was
        taken from, as a correction of that movement (its own outbox event),
        and the quantity it took from the plan is planned again.

        :param production: ``mrp.production`` id or name.
        :param str device_id: only a scan of this device is undone, if given.
        :param str scan_id: idempotency key of the undo itself.
        :return: the same dict as ``consume_scan``, code ``undone`` (``consumed``
            tells what went back to stock, with a negative quantity) or
            ``nothing_to_undo``.
        """
        request = {"action": "undo", "production": production, "device_id": device_id}
        return self._scan_run(request, scan_id, self._scan_undo)

    # ------------------------------------------------------------------
    # Run, log and idempotency
    # ------------------------------------------------------------------
    @api.model
    def _scan_run(self, request, scan_id, step):
        started = time.perf_counter()
        scan_id = str(scan_id).strip() if not _blank(scan_id) else None
        request_hash = hashlib.sha256(
            json.dumps(request, sort_keys=True, default=str).encode()
        ).hexdigest()
        # sudo: operators read the log, only the service writes it (an audit trail).
        Scan = self.env["mrp.barcode.scan"].sudo()
        log = {
            "scan_id": scan_id,
            "request_hash": request_hash,
            "action": request["action"],
            "barcode": request["barcode"][:256]
            if isinstance(request.get("barcode"), str)
            else False,
            "device_id": request.get("device_id") and str(request["device_id"])[:128],
            "user_id": self.env.uid,
            "company_id": self.env.company.id,
        }
        if scan_id:
            key = Scan.search([("scan_id", "=", scan_id), ("is_key", "=", True)], limit=1)
            if key:
                return self._scan_replay(key, request_hash, log, started)
        facts = {}
        try:
            with self.env.cr.savepoint():
                answer, facts = step(request, scan_id)
                if answer["ok"]:
                    # Logged before the savepoint closes: its flush then writes
                    # the consumption move's link to the scan together with the
                    # move's last recomputed fields (see _scan_log).
                    self._scan_log(Scan, log, answer, facts, started, is_key=bool(scan_id))
                    return answer
        except ScanRefusal as refusal:
            facts = refusal.facts
            answer = self._scan_answer(
                refusal.code, refusal.message, scan_id, facts.get("production")
            )
        except (UserError, ValidationError, AccessError) as error:
            # Odoo refused the stock operation itself (savepoint rolled back).
            facts = {}
            answer = self._scan_answer(
                "stock_refused",
                _("Odoo refused this consumption: %(error)s", error=error.args[0]),
                scan_id,
            )
        self._scan_log(Scan, log, answer, facts, started, is_key=bool(scan_id))
        return answer

    @api.model
    def _scan_replay(self, key, request_hash, log, started):
        Scan = key
        if key.request_hash != request_hash:
            answer = self._scan_answer(
                "scan_conflict",
                _(
                    "Scan id %(scan)s was already used for another scan. Send a new scan "
                    "id for a new scan; repeat a scan only with the same content.",
                    scan=key.scan_id,
                ),
                key.scan_id,
                key.production_id,
            )
            self._scan_log(Scan.browse(), log, answer, {}, started, is_key=False)
            return answer
        answer = dict(key.answer or {}, replayed=True)
        log_facts = {"production": key.production_id}
        self._scan_log(Scan.browse(), log, answer, log_facts, started, is_key=False)
        return answer

    @api.model
    def _scan_log(self, Scan, log, answer, facts, started, is_key):
        Scan = self.env["mrp.barcode.scan"].sudo()  # see _scan_run
        production = facts.get("production")
        product = facts.get("product")
        vals = dict(
            log,
            is_key=is_key,
            result="accepted" if answer["ok"] else "refused",
            code=answer["code"],
            message=answer["message"][:512],
            replayed=answer.get("replayed", False),
            production_id=production.id if production else False,
            product_id=product.id if product else False,
            lot_id=facts["lot"].id if facts.get("lot") else False,
            package_id=facts["package"].id if facts.get("package") else False,
            location_id=facts["location"].id if facts.get("location") else False,
            quantity=facts.get("quantity") or 0.0,
            uom_id=product.uom_id.id if product else False,
            move_id=facts["move"].id if facts.get("move") else False,
            undo_of_id=facts["undo_of"].id if facts.get("undo_of") else False,
            warning_codes=",".join(w["code"] for w in answer["warnings"]) or False,
            duration_ms=(time.perf_counter() - started) * 1000.0,
            answer=answer,
        )
        if vals["company_id"] != (production.company_id.id if production else vals["company_id"]):
            vals["company_id"] = production.company_id.id
        scan = Scan.create(vals)
        if is_key:
            try:
                scan.flush_recordset()
            except pg_errors.UniqueViolation as error:
                # A concurrent request with this scan id committed first: a retry
                # (new snapshot) replays its answer. Like any serialization
                # failure, the transaction is aborted (an accepted scan's
                # savepoint is rolled back with its consumption): the caller
                # rolls back and retries, as it does for those.
                raise ScanKeyTaken(str(error)) from error
        if facts.get("move"):
            # The link back from the move: a plain column of this module that no
            # business rule reads, set by the field itself (cache, written at the
            # next flush) without the ORM's stock.move write chain (reservation,
            # availability and quality overrides run for any field). An accepted
            # scan is logged inside its savepoint (_scan_run), whose flush writes
            # it in the same UPDATE as the move's fields still pending.
            move = facts["move"]
            move._fields["barcode_scan_id"].write(move, scan.id)
        if facts.get("undo_of"):
            facts["undo_of"].undone_by_id = scan
        return scan

    @api.model
    def _scan_retry_answer(self, method, kwargs):
        """Answer and log ``retry``: concurrent scans kept winning (see services.retrying)."""
        started = time.perf_counter()
        answer = self._scan_answer(
            "retry",
            _("The order is busy with other scans: scan again in a moment."),
            kwargs.get("scan_id"),
        )
        log = {
            "scan_id": kwargs.get("scan_id"),
            "action": "undo" if method == "undo_last_scan" else "consume",
            "barcode": kwargs["barcode"][:256] if isinstance(kwargs.get("barcode"), str) else False,
            "device_id": kwargs.get("device_id") and str(kwargs["device_id"])[:128],
            "user_id": self.env.uid,
            "company_id": self.env.company.id,
        }
        self._scan_log(None, log, answer, {}, started, is_key=False)
        return answer

    # ------------------------------------------------------------------
    # Answer
    # ------------------------------------------------------------------
    @api.model
    def _scan_answer(
        self,
        code,
        message,
        scan_id,
        production=None,
        consumed=None,
        warnings=(),
        replayed=False,
        components=None,
        production_state=None,
    ):
        """The structured answer (see ``consume_scan``).

        ``components`` and ``production_state``: the order's component sums
        and state when the caller has just read them.
        """
        production = production or self.browse()
        if production and production_state is None:
            production_state = production.state
        if production and components is None:
            components = production._scan_components()
        return {
            "ok": code in OK_CODES,
            "code": code,
            "message": message,
            "scan_id": scan_id,
            "production": {"id": production.id, "name": production.name, "state": production_state}
            if production
            else None,
            "consumed": consumed,
            "components": components or [],
            "warnings": list(warnings),
            "replayed": replayed,
        }

    def _scan_component_sums(self, product, raw_moves):
        """``{"planned", "consumed"}`` of one component, as ``_scan_components`` sums them.

        :param raw_moves: every move of this order for ``product``, as
            _scan_apply searched them (their fields in cache): the check
            before a scan sums them without a query of its own.
        """
        self.ensure_one()
        unit = product.uom_id
        planned = consumed = 0.0
        for move in raw_moves:
            if move.state == "cancel":
                continue
            done = move.quantity if move.state == "done" else 0.0
            if move.barcode_scanned:
                own_planned = 0.0
                planned += move.barcode_planned_qty  # scans: the product's unit
            else:
                own_planned = done if move.state == "done" else move.product_uom_qty
            if move.product_uom != unit:
                own_planned = move.product_uom._compute_quantity(own_planned, unit, round=False)
                done = move.product_uom._compute_quantity(done, unit, round=False)
            planned += own_planned
            consumed += done
        return {
            "planned": float_round(planned, precision_rounding=unit.rounding),
            "consumed": float_round(consumed, precision_rounding=unit.rounding),
        }

    def _scan_components(self, product=None):
        """Planned, consumed and remaining quantity per component, in its unit.

        One aggregate query over the order's raw moves (an order that many
        scans have split has hundreds of them): planned is the open demand
        plus what each scan took over from it (``barcode_planned_qty``) plus
        what other done moves consumed; consumed is every done move.

        :param product: ``product.product``: only its row (the check before a
            scan; the answer lists every component).
        """
        self.ensure_one()
        self.env["stock.move"].flush_model(
            [
                "raw_material_production_id",
                "product_id",
                "product_uom",
                "state",
                "product_uom_qty",
                "quantity",
                "barcode_scanned",
                "barcode_planned_qty",
            ]
        )
        self.env["product.product"].flush_model(
            ["default_code", "combination_indices", "product_tmpl_id"]
        )
        self.env["product.template"].flush_model(["name", "tracking", "uom_id"])
        self.env["uom.uom"].flush_model(["name", "rounding"])
        # The components' names and units come with the sums: a product's name
        # is "[code] name" (Odoo's display name) unless it is a variant, whose
        # attribute values the ORM names. Read as the answer, not the reader,
        # names the components. The moves are summed first, so each component
        # is joined to its product once, not once per move.
        lang = self.env.lang or "en_US"
        self.env.cr.execute(
            """
            SELECT m.product_id, m.product_uom, m.first_id,
                   m.planned, m.scanned_planned, m.consumed,
                   pp.default_code, COALESCE(pp.combination_indices, '') != '',
                   COALESCE(pt.name->>%(lang)s, pt.name->>'en_US'), pt.tracking,
                   pt.uom_id, COALESCE(u.name->>%(lang)s, u.name->>'en_US'), u.rounding
              FROM (
                    SELECT product_id, product_uom, MIN(id) AS first_id,
                           SUM(CASE WHEN barcode_scanned THEN 0
                                    WHEN state = 'done' THEN quantity
                                    ELSE product_uom_qty END) AS planned,
                           SUM(CASE WHEN barcode_scanned THEN barcode_planned_qty
                                    ELSE 0 END) AS scanned_planned,
                           SUM(CASE WHEN state = 'done' THEN quantity ELSE 0 END) AS consumed
                      FROM stock_move
                     WHERE raw_material_production_id = %(mo)s AND state != 'cancel'
                       AND (%(product)s IS NULL OR product_id = %(product)s)
                     GROUP BY product_id, product_uom
                   ) m
              JOIN product_product pp ON pp.id = m.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN uom_uom u ON u.id = pt.uom_id
            """,
            {"mo": self.id, "product": product.id if product else None, "lang": lang},
        )
        fetched = self.env.cr.fetchall()
        Product, Uom = self.env["product.product"].sudo(), self.env["uom.uom"].sudo()
        with_code = self.env.context.get("display_default_code", True)
        rows, first, roundings = {}, {}, {}
        for (
            product_id,
            uom_id,
            first_id,
            planned,
            scanned_planned,
            consumed,
            code,
            is_variant,
            name,
            tracking,
            product_uom_id,
            uom_name,
            rounding,
        ) in fetched:
            if product_id not in rows:
                if is_variant:
                    name = Product.browse(product_id).display_name
                elif code and with_code:
                    name = f"[{code}] {name}"
                rows[product_id] = {
                    "product_id": product_id,
                    "product": name,
                    "uom": uom_name,
                    "planned": 0.0,
                    "consumed": 0.0,
                    "remaining": 0.0,
                    "tracking": tracking,
                }
            row = rows[product_id]
            roundings[product_id] = rounding
            first[product_id] = min(first.get(product_id, first_id), first_id)
            planned, consumed = planned or 0.0, consumed or 0.0
            if uom_id != product_uom_id:
                uom, to_unit = Uom.browse(uom_id), Uom.browse(product_uom_id)
                planned = uom._compute_quantity(planned, to_unit, round=False)
                consumed = uom._compute_quantity(consumed, to_unit, round=False)
            row["planned"] += planned + (scanned_planned or 0.0)  # scans: the product's unit
            row["consumed"] += consumed
        for product_id, row in rows.items():
            rounding = roundings[product_id]
            for key in ("planned", "consumed"):
                row[key] = float_round(row[key], precision_rounding=rounding)
            row["remaining"] = float_round(
                max(row["planned"] - row["consumed"], 0.0), precision_rounding=rounding
            )
        return [rows[pid] for pid in sorted(rows, key=first.get)]

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------
    @api.model
    def _scan_consume(self, request, scan_id):
        barcode = request["barcode"]
        if not isinstance(barcode, str) or not barcode.strip():
            raise ScanRefusal(
                "missing_field", _("No barcode was sent: scan a component, a lot or an order.")
            )
        barcode = barcode.strip("\r\n ")
        if _blank(request["production"]):
            production = self._scan_find_production(barcode, by_scan=True)
            return self._scan_answer(
                "opened",
                _("%(mo)s opened: scan its components.", mo=production.name),
                scan_id,
                production,
            ), {"production": production}
        production = self._scan_find_production(request["production"])
        facts = {"production": production}
        production._scan_lock()
        production._scan_check_state(facts)
        parsed = production._scan_parse(barcode, facts)
        return production._scan_apply(parsed, request, scan_id, facts)

    @api.model
    def _scan_undo(self, request, scan_id):
        if _blank(request["production"]):
            raise ScanRefusal(
                "missing_field", _("Say which manufacturing order to undo the last scan of.")
            )
        production = self._scan_find_production(request["production"])
        facts = {"production": production}
        production._scan_lock()
        production._scan_check_state(facts)
        return production._scan_undo_last(request, scan_id, facts)

    # ------------------------------------------------------------------
    # Finding things
    # ------------------------------------------------------------------
    @api.model
    def _scan_search(self, Model, domain, limit=None, order=None):
        """``Model.search(domain)``, and the fields a scan then reads of its records.

        The fields are those the first read of any of them would fetch (the
        prefetch group of Odoo's ``_fetch_field``): the search and that read
        are one SQL statement instead of two, with the same records, access
        rules and cache.
        """
        names = [
            name
            for name, field in Model._fields.items()
            if field.prefetch is True and field.is_accessible(Model.env)
        ]
        return Model.search_fetch(domain, names, limit=limit, order=order)

    @api.model
    def _scan_find_production(self, reference, by_scan=False):
        """The MO by id or name, within the user's allowed companies."""
        domain = None
        if isinstance(reference, int) and not isinstance(reference, bool):
            domain = [("id", "=", reference)]
        elif isinstance(reference, str) and reference.strip():
            ref = reference.strip()
            domain = [("id", "=", int(ref))] if ref.isdigit() and not by_scan else []
            domain = domain or [("name", "=", ref)]
        if domain is None:
            raise ScanRefusal(
                "missing_field",
                _("The manufacturing order must be given by its id or its name."),
            )
        try:
            production = self._scan_search(self, domain, limit=1)
        except AccessError as error:
            raise ScanRefusal(
                "unknown_production",
                _("You may not read manufacturing orders: ask for the Shop Floor Operator role."),
            ) from error
        if production:
            return production
        # sudo: only to tell another company's order from an unknown one; nothing of it is shown.
        if self.sudo().with_context(active_test=False).search_count(domain, limit=1):
            raise ScanRefusal(
                "other_company",
                _(
                    "Manufacturing order %(ref)s belongs to a company you are not working "
                    "in: switch company or scan an order of yours.",
                    ref=reference,
                ),
            )
        if by_scan:
            raise ScanRefusal(
                "unknown_barcode",
                _(
                    "%(code)s is no manufacturing order: scan the order first, or pick it.",
                    code=reference,
                ),
            )
        raise ScanRefusal(
            "unknown_production",
            _("No manufacturing order %(ref)s: check the order's name.", ref=reference),
        )

    def _scan_lock(self):
        """Serialize scans of one MO: the second waits, then works on fresh data.

        If this transaction's snapshot is older than a concurrent scan's commit,
        PostgreSQL raises a serialization failure here, before anything is
        written, and the caller retries the whole request.
        """
        self.ensure_one()
        self.env.cr.execute(
            "SELECT id FROM mrp_production WHERE id = %s FOR NO KEY UPDATE", (self.id,)
        )

    def _scan_check_state(self, facts):
        if self.state not in STATES_OPEN:
            state = dict(self._fields["state"]._description_selection(self.env))[self.state]
            raise ScanRefusal(
                "mo_state",
                _(
                    "%(mo)s is %(state)s: only a confirmed or in-progress order consumes "
                    "components. Confirm it first, or scan another order.",
                    mo=self.name,
                    state=state,
                ),
                **facts,
            )

    def _scan_parse(self, barcode, facts):
        """What the barcode names: ``{"product", "lot", "package", "quantity", "uom", "expiry"}``."""
        self.ensure_one()
        found = self._scan_lookup(barcode)
        if found:
            return found
        elements = self._scan_gs1_elements(barcode, facts)
        if elements is None:
            raise ScanRefusal(
                "unknown_barcode",
                _(
                    "%(code)s is no product, lot, serial or package known here: check the "
                    "label, or scan the product's barcode.",
                    code=barcode,
                ),
                **facts,
            )
        return self._scan_from_gs1(elements, barcode, facts)

    def _scan_lookup(self, code):
        # sudo on lots and packages: operators read them, the search ignores the
        # company switcher on purpose (filtered on the MO's company below).
        company = self.company_id
        Product = self.env["product.product"].sudo().with_company(company)
        product = Product.search(
            [("barcode", "=", code), ("company_id", "in", [company.id, False])], limit=1
        )
        if product:
            return {"product": product.sudo(False)}
        lots = self._scan_search(
            self.env["stock.lot"].sudo(),
            [("name", "=", code), ("company_id", "in", [company.id, False])],
        )
        if len(lots) > 1:
            # Several products have a lot of that name: the one this MO consumes.
            components = (
                self.env["stock.move"]
                .search(
                    [
                        ("raw_material_production_id", "=", self.id),
                        ("product_id", "in", lots.product_id.ids),
                    ],
                    limit=1,
                )
                .product_id
            )
            lots = lots.filtered(lambda lot: lot.product_id == components) or lots
        if lots:
            return {"product": lots[:1].product_id, "lot": lots[:1]}
        package = (
            self.env["stock.quant.package"]
            .sudo()
            .search([("name", "=", code), ("company_id", "in", [company.id, False])], limit=1)
        )
        if package:
            return {"package": package}
        return None

    def _scan_gs1_elements(self, barcode, facts):
        """GS1 elements through Odoo's GS1 nomenclature, or None when it is no GS1 string."""
        nomenclature = self.company_id.nomenclature_id
        if not nomenclature.is_gs1_nomenclature:
            nomenclature = self.env.ref(
                "barcodes_gs1_nomenclature.default_gs1_nomenclature", raise_if_not_found=False
            )
        if barcode.startswith("^"):
            # GS1's printed notation of FNC1 (as in element strings of its
            # specifications, and as some wedge scanners are set up to send it):
            # "^" is no GS1 data character, so it stands for FNC1 wherever it is.
            barcode = barcode.replace("^", "\x1d")
        # Two FNC1 in a row (a separator after a variable-length element, then a
        # scanner's own) delimit nothing: one is kept.
        barcode = _FNC1_RUN.sub("\x1d", barcode)
        # A symbology identifier, FNC1, the HRI form, or a fixed-length
        # identifier first (SSCC, GTIN): a failure to parse is a bad GS1 label.
        looks_gs1 = (
            barcode.startswith(GS1_PREFIXES)
            or bool(_HRI.match(barcode))
            or bool(_GS1_FIXED_START.match(barcode))
        )
        if _HRI.match(barcode):
            # Human-readable form (01)...(10)...: FNC1 before each AI after the first.
            barcode = "\x1d".join(
                ai + value for ai, value in re.findall(r"\((\d{2,4})\)([^()]*)", barcode)
            )
        elif not looks_gs1 and not barcode[:2].isdigit():
            return None
        try:
            elements = nomenclature.sudo().gs1_decompose_extanded(barcode)
        except (ValidationError, ValueError) as error:
            raise ScanRefusal(
                "bad_gs1",
                _(
                    "The GS1 barcode could not be read (%(error)s): scan it again, or "
                    "scan the product and lot labels one by one.",
                    error=error.args[0] if error.args else error,
                ),
                **facts,
            ) from error
        if not elements:
            if looks_gs1:
                raise ScanRefusal(
                    "bad_gs1",
                    _(
                        "The GS1 barcode is malformed (an application identifier or a "
                        "check digit is wrong): scan it again, or scan the product and lot "
                        "labels one by one."
                    ),
                    **facts,
                )
            return None
        return elements

    def _scan_from_gs1(self, elements, barcode, facts):
        found = {}
        gtin = lot_name = None
        for element in elements:
            kind = element["type"]
            if kind == "product":
                gtin = element["value"]
            elif kind == "lot":
                lot_name = element["value"]
            elif kind == "expiration_date":
                found["expiry"] = element["value"]
            elif kind == "quantity":
                found["quantity"] = element["value"]
                found["uom"] = element["rule"].associated_uom_id
            elif kind == "package":
                package = (
                    self.env["stock.quant.package"]
                    .sudo()
                    .search([("name", "=", element["value"])], limit=1)
                )  # sudo: see _scan_lookup
                if package:
                    found["package"] = package
        if gtin:
            candidates = {gtin, gtin.lstrip("0")}
            if gtin.startswith("0"):
                candidates.add(gtin[1:])
            product = (
                self.env["product.product"]
                .sudo()
                .search(
                    [
                        ("barcode", "in", sorted(candidates)),
                        ("company_id", "in", [self.company_id.id, False]),
                    ],
                    limit=1,
                )
            )  # sudo: see _scan_lookup
            if not product:
                raise ScanRefusal(
                    "unknown_barcode",
                    _(
                        "No product has GTIN %(gtin)s: give the component its barcode, or "
                        "scan its own label.",
                        gtin=gtin,
                    ),
                    **facts,
                )
            found["product"] = product.sudo(False)
        if lot_name:
            if not found.get("product"):
                lot = self._scan_lookup(lot_name)
                if lot and lot.get("lot"):
                    found.update(product=lot["product"], lot=lot["lot"])
            else:
                lot = (
                    self.env["stock.lot"]
                    .sudo()
                    .search(
                        [
                            ("name", "=", lot_name),
                            ("product_id", "=", found["product"].id),
                            ("company_id", "in", [self.company_id.id, False]),
                        ],
                        limit=1,
                    )
                )  # sudo: see _scan_lookup
                found["lot"] = lot
            if not found.get("lot"):
                raise ScanRefusal(
                    "lot_unknown",
                    _(
                        "Lot or serial %(lot)s is not known for this product: check the "
                        "label; a lot must be received before it is consumed.",
                        lot=lot_name,
                    ),
                    **dict(facts, product=found.get("product")),
                )
        if not found.get("product") and not found.get("package"):
            raise ScanRefusal(
                "unknown_barcode",
                _("This GS1 barcode names no product, lot or package: scan the product's label."),
                **facts,
            )
        return found

    # ------------------------------------------------------------------
    # Validation and effect
    # ------------------------------------------------------------------
    def _scan_apply(self, parsed, request, scan_id, facts):
        self.ensure_one()
        company = self.company_id
        location = self._scan_location(request["location"], facts)
        facts["location"] = location
        package = parsed.get("package")
        product = parsed.get("product")
        lot = parsed.get("lot") or self.env["stock.lot"]
        if package and not product:
            product, lot, package_qty = self._scan_package_content(package, facts)
            parsed.setdefault("quantity", package_qty)
        facts.update(product=product, lot=lot, package=package)
        warnings = []

        raw_moves = self._scan_search(
            self.env["stock.move"],
            [("raw_material_production_id", "=", self.id), ("product_id", "=", product.id)],
        )
        if not raw_moves.filtered(lambda m: m.state != "cancel"):
            if not company.scan_allow_unplanned:
                raise ScanRefusal(
                    "not_a_component",
                    _(
                        "%(product)s is not a component of %(mo)s: scan a component of "
                        "this order, or ask a planner to add it.",
                        product=product.display_name,
                        mo=self.name,
                    ),
                    **facts,
                )
            warnings.append(
                {
                    "code": "unplanned_component",
                    "message": _(
                        "%(product)s is not planned on %(mo)s: consumed as an extra component.",
                        product=product.display_name,
                        mo=self.name,
                    ),
                }
            )
        if not product.is_storable:
            raise ScanRefusal(
                "not_a_component",
                _(
                    "%(product)s is not tracked in stock: only storable components are "
                    "consumed by scan.",
                    product=product.display_name,
                ),
                **facts,
            )
        quantity = self._scan_quantity(parsed, request, product, lot, facts)
        facts["quantity"] = quantity
        if product.tracking != "none" and not lot:
            raise ScanRefusal(
                "lot_required",
                _(
                    "%(product)s is tracked by %(tracking)s: scan the lot or serial label, "
                    "or a GS1 label that carries it.",
                    product=product.display_name,
                    tracking=_("serial number") if product.tracking == "serial" else _("lot"),
                ),
                **facts,
            )
        if lot:
            refusal = self._scan_lot_refusal(lot, parsed)
            if refusal:
                raise ScanRefusal(*refusal, **facts)
        if product.tracking == "serial":
            self._scan_check_serial(product, lot, quantity, facts)

        rounding = product.uom_id.rounding
        row = self._scan_component_sums(product, raw_moves)
        if row["planned"]:
            limit = row["planned"] * (1 + (company.scan_over_tolerance or 0.0) / 100.0)
            if float_compare(row["consumed"] + quantity, limit, precision_rounding=rounding) > 0:
                message = _(
                    "%(qty)s %(uom)s of %(product)s would bring %(mo)s to %(total)s of "
                    "%(planned)s planned, past the tolerance.",
                    qty=quantity,
                    uom=product.uom_id.name,
                    product=self._scan_components(product)[0]["product"],
                    mo=self.name,
                    total=float_round(row["consumed"] + quantity, precision_rounding=rounding),
                    planned=row["planned"],
                )
                if company.scan_over_consumption == "refuse":
                    raise ScanRefusal(
                        "over_consumption",
                        message + " " + _("Scan a smaller quantity, or ask a planner."),
                        **facts,
                    )
                warnings.append({"code": "over_consumption", "message": message})

        quants = self._scan_take_quants(product, lot, package, quantity, location, raw_moves, facts)
        move = self._scan_post(product, quantity, quants, location, raw_moves, request, scan_id)
        facts["move"] = move
        # The order's state first, as the answer reads it (its flush comes
        # before the sums'), then every component's sums, named as the answer
        # lists them (Odoo's display name, read with the sums).
        production_state = self.state
        components = self._scan_components()
        product_name = (
            next((c["product"] for c in components if c["product_id"] == product.id), None)
            or product.display_name
        )
        consumed = {
            "product_id": product.id,
            "product": product_name,
            "lot": lot.name or None,
            "quantity": quantity,
            "uom": product.uom_id.name,
        }
        message = _(
            "%(qty)s %(uom)s %(product)s%(lot)s consumed on %(mo)s.",
            qty=quantity,
            uom=product.uom_id.name,
            product=product_name,
            lot=f" ({lot.name})" if lot else "",
            mo=self.name,
        )
        return self._scan_answer(
            "consumed",
            message,
            scan_id,
            self,
            consumed=consumed,
            warnings=warnings,
            components=components,
            production_state=production_state,
        ), facts

    def _scan_location(self, location, facts):
        if _blank(location):
            return self.location_src_id
        location_id = location
        if isinstance(location, str) and location.strip().isdigit():
            location_id = int(location)
        if not isinstance(location_id, int) or isinstance(location_id, bool):
            raise ScanRefusal("bad_location", _("The location must be given by its id."), **facts)
        # sudo: operators read locations; the check below is on the MO's company.
        record = self.env["stock.location"].sudo().browse(location_id).exists()
        if (
            not record
            or record.usage != "internal"
            or record.company_id not in (self.company_id, self.env["res.company"])
        ):
            raise ScanRefusal(
                "bad_location",
                _(
                    "Location %(loc)s is no stock location of %(company)s: consume from "
                    "the order's component location or one of its shelves.",
                    loc=location,
                    company=self.company_id.name,
                ),
                **facts,
            )
        return record

    def _scan_package_content(self, package, facts):
        quants = package.quant_ids.filtered(lambda q: q.quantity > 0)
        if not quants:
            raise ScanRefusal(
                "not_available",
                _(
                    "Package %(package)s is empty: scan the package the components are in.",
                    package=package.name,
                ),
                **facts,
            )
        products = quants.product_id
        components = products & self.move_raw_ids.product_id
        if len(products) != 1 or len(quants.lot_id) > 1:
            if len(components) != 1:
                raise ScanRefusal(
                    "unknown_barcode",
                    _(
                        "Package %(package)s holds several products: scan the component's "
                        "own label instead.",
                        package=package.name,
                    ),
                    **facts,
                )
        product = components or products
        quants = quants.filtered(lambda q: q.product_id == product)
        if len(quants.lot_id) > 1:
            raise ScanRefusal(
                "unknown_barcode",
                _(
                    "Package %(package)s holds several lots: scan the lot label instead.",
                    package=package.name,
                ),
                **facts,
            )
        return product, quants.lot_id, sum(quants.mapped("quantity"))

    def _scan_quantity(self, parsed, request, product, lot, facts):
        raw = request["quantity"]
        uom_ref = request["uom"]
        uom = product.uom_id
        if not _blank(uom_ref):
            uom = self._scan_uom(uom_ref, product, facts)
        elif _blank(raw) and parsed.get("uom"):
            uom = parsed["uom"]
            if uom.category_id != product.uom_id.category_id:
                raise ScanRefusal(
                    "bad_uom",
                    _(
                        "The label gives a quantity in %(uom)s but %(product)s is counted in "
                        "%(puom)s: scan the product's own label and give the quantity.",
                        uom=uom.name,
                        product=product.display_name,
                        puom=product.uom_id.name,
                    ),
                    **facts,
                )
        if _blank(raw):
            value = parsed.get("quantity", 1)
        elif isinstance(raw, bool):
            value = None
        elif isinstance(raw, int | float):
            value = raw
        else:
            try:
                value = float(str(raw).strip().replace(",", "."))
            except ValueError:
                value = None
        if value is None or not math.isfinite(value):
            raise ScanRefusal(
                "bad_quantity",
                _("Quantity %(qty)r is not a number: give a positive number.", qty=raw),
                **facts,
            )
        quantity = uom._compute_quantity(float(value), product.uom_id, round=False)
        quantity = float_round(quantity, precision_rounding=product.uom_id.rounding)
        if float_compare(quantity, 0.0, precision_rounding=product.uom_id.rounding) <= 0:
            raise ScanRefusal(
                "bad_quantity",
                _(
                    "Quantity %(qty)s is not positive (in %(uom)s): give how much you consume.",
                    qty=value,
                    uom=product.uom_id.name,
                ),
                **facts,
            )
        if quantity > MAX_SCAN_QUANTITY:
            raise ScanRefusal(
                "bad_quantity",
                _(
                    "Quantity %(qty)s %(uom)s is beyond any plausible scan (at most "
                    "%(max)s): check the quantity and its unit.",
                    qty=quantity,
                    uom=product.uom_id.name,
                    max=MAX_SCAN_QUANTITY,
                ),
                **facts,
            )
        return quantity

    def _scan_uom(self, uom_ref, product, facts):
        Uom = self.env["uom.uom"]
        uom = Uom
        if isinstance(uom_ref, int) and not isinstance(uom_ref, bool):
            uom = Uom.browse(uom_ref).exists()
        elif isinstance(uom_ref, str):
            uom = Uom.search([("name", "=ilike", uom_ref.strip())], limit=1)
        if not uom:
            raise ScanRefusal(
                "bad_uom",
                _("Unit %(uom)s is not known: give a unit of measure's name or id.", uom=uom_ref),
                **facts,
            )
        if uom.category_id != product.uom_id.category_id:
            raise ScanRefusal(
                "bad_uom",
                _(
                    "%(uom)s (%(cat)s) does not convert to %(puom)s, the unit of "
                    "%(product)s: give the quantity in a unit of %(pcat)s.",
                    uom=uom.name,
                    cat=uom.category_id.name,
                    puom=product.uom_id.name,
                    product=product.display_name,
                    pcat=product.uom_id.category_id.name,
                ),
                **facts,
            )
        return uom

    def _scan_lot_refusal(self, lot, parsed):
        """``(code, message)`` when this lot may not be consumed, else ``None``.

        The hook that quality glue modules extend (held, quarantined or rejected
        lots). Here: the lot's own expiration date (``product_expiry``) and the
        GS1 expiry date (AI 17) of the label.
        """
        expiration = lot._fields.get("expiration_date") and lot.expiration_date
        if not expiration and not parsed.get("expiry"):
            # Nothing to compare: the user's day (their time zone, read from
            # their partner) is not looked up.
            return None
        today = fields.Date.context_today(self)
        expired = expiration and fields.Datetime.to_datetime(expiration).date() <= today
        if not expired and parsed.get("expiry") and parsed["expiry"] < today:
            expired = True
        if expired:
            return (
                "lot_expired",
                _(
                    "Lot %(lot)s of %(product)s has expired: set it aside and scan another lot.",
                    lot=lot.name,
                    product=lot.product_id.display_name,
                ),
            )
        return None

    def _scan_check_serial(self, product, lot, quantity, facts):
        if float_compare(quantity, 1.0, precision_rounding=product.uom_id.rounding) != 0:
            raise ScanRefusal(
                "serial_quantity",
                _(
                    "%(product)s is tracked by serial number: scan each serial on its own, "
                    "one unit at a time.",
                    product=product.display_name,
                ),
                **facts,
            )
        consumed = self.env["stock.move.line"].search_count(
            [
                ("move_id.raw_material_production_id", "=", self.id),
                ("product_id", "=", product.id),
                ("lot_id", "=", lot.id),
                ("state", "=", "done"),
                ("quantity", ">", 0),
            ],
            limit=1,
        )
        if consumed:
            raise ScanRefusal(
                "serial_twice",
                _(
                    "Serial %(lot)s was already consumed on %(mo)s: scan the next serial.",
                    lot=lot.name,
                    mo=self.name,
                ),
                **facts,
            )

    def _scan_take_quants(self, product, lot, package, quantity, location, raw_moves, facts):
        """``[(quant, qty)]`` to consume from: free stock, else this MO's own reservation.

        When the free stock of the lot is short, what this MO's open moves
        reserved of it is released first. Otherwise their reservation stays,
        and _scan_post trims it to their smaller demand, the scanned lot first.
        """
        rounding = product.uom_id.rounding
        taken, left = self._scan_free_quants(product, lot, package, quantity, location)
        if not float_is_zero(left, precision_rounding=rounding):
            self._scan_release_reservation(raw_moves, lot, quantity)
            taken, left = self._scan_free_quants(product, lot, package, quantity, location)
        if not float_is_zero(left, precision_rounding=rounding):
            available = float_round(quantity - left, precision_rounding=rounding)
            where = location.complete_name
            if lot:
                raise ScanRefusal(
                    "lot_unavailable",
                    _(
                        "Lot %(lot)s has only %(available)s %(uom)s free at %(where)s, "
                        "%(qty)s scanned: take it from the component location, or scan "
                        "another lot.",
                        lot=lot.name,
                        available=available,
                        uom=product.uom_id.name,
                        where=where,
                        qty=quantity,
                    ),
                    **facts,
                )
            raise ScanRefusal(
                "not_available",
                _(
                    "Only %(available)s %(uom)s of %(product)s are free at %(where)s, "
                    "%(qty)s scanned: bring the stock to the line first, or scan less.",
                    available=available,
                    uom=product.uom_id.name,
                    product=product.display_name,
                    where=where,
                    qty=quantity,
                ),
                **facts,
            )
        return taken

    def _scan_free_quants(self, product, lot, package, quantity, location):
        """``([(quant, qty)], qty left)``: the unreserved stock of the lot that covers ``quantity``."""
        Quant = self.env["stock.quant"].sudo()  # sudo: stock is read and moved by the service
        domain = Quant._get_gather_domain(product, location, lot_id=lot or None, package_id=package)
        quants = self._scan_search(Quant, domain, order="in_date, id").filtered(
            lambda q: q.lot_id == lot and (not package or q.package_id == package)
        )
        taken, left = [], quantity
        rounding = product.uom_id.rounding
        for quant in quants:
            free = quant.quantity - quant.reserved_quantity
            if float_compare(free, 0.0, precision_rounding=rounding) <= 0:
                continue
            qty = min(free, left)
            taken.append((quant, qty))
            left = float_round(left - qty, precision_rounding=rounding)
            if float_is_zero(left, precision_rounding=rounding):
                break
        return taken, left

    def _scan_release_reservation(self, raw_moves, lot, quantity):
        """Free what this MO's open raw moves reserved of this lot, up to ``quantity``.

        The MO may consume its own reservation: the scanned lot is taken from
        it, and the open move re-reserves later as usual.
        """
        left = quantity
        open_moves = raw_moves.filtered(lambda m: m.state not in ("done", "cancel"))
        lines = open_moves.move_line_ids.filtered(
            lambda ml: not ml.picked and ml.lot_id == lot and ml.quantity > 0
        )
        for line in lines.sudo():  # sudo: operators do not write move lines themselves
            qty = line.product_uom_id._compute_quantity(
                line.quantity, line.product_id.uom_id, round=False
            )
            if qty <= left:
                left -= qty
                line.unlink()
            else:
                line.quantity = line.product_id.uom_id._compute_quantity(
                    qty - left, line.product_uom_id
                )
                left = 0
            if left <= 0:
                break

    def _scan_post(self, product, quantity, quants, location, raw_moves, request, scan_id):
        """Post the consumption now: a done raw move of this MO, split off the open one."""
        # sudo: operators consume only through this service, which checked the rules above.
        production = self.sudo()
        Move = self.env["stock.move"].sudo()
        original = raw_moves.filtered(lambda m: m.state not in ("done", "cancel"))[:1].sudo()
        planned_share = 0.0
        shrink = None
        if original:
            open_qty = original.product_uom._compute_quantity(
                original.product_uom_qty, product.uom_id, round=False
            )
            planned_share = min(quantity, max(open_qty, 0.0))
            # Core's values for a move split off this one, but for its links:
            # the done move has neither destinations nor origins (set below).
            # Asked of an in-memory stand-in of the open move with no links,
            # whose other fields are the open move's (read from it), core and
            # its extensions do not read the two relations only to drop them.
            # (Empty recordsets: commands would apply to the open move's links.)
            # Checked against the overrides of stock, mrp, stock_account and
            # purchase_stock: they read stored fields, which a new record reads
            # from its origin; an override that used ``self.id`` would get a NewId.
            stand_in = Move.new({"move_dest_ids": Move, "move_orig_ids": Move}, origin=original)
            vals = stand_in.with_context(
                force_split_uom_id=product.uom_id.id
            )._prepare_move_split_vals(quantity)
            vals.update(
                move_dest_ids=[],
                move_orig_ids=[],
                procure_method="make_to_stock",
                location_id=location.id,
                state="draft",
            )
            vals = original.copy_data(vals)[0]
            remaining = product.uom_id._compute_quantity(
                max(open_qty - planned_share, 0.0), original.product_uom, round=False
            )
            # A make-to-stock move whose reservation still covers its smaller
            # demand has nothing to procure or reserve again: mrp's rerun of the
            # procurement (rule lookups, _action_assign, the order's state) is
            # skipped, and only its state is set again. A make-to-order move
            # keeps it (its supply shrinks too), as does one short of stock.
            covered = original.procure_method == "make_to_stock" and (
                original.picked
                or float_compare(
                    original.quantity, remaining, precision_rounding=original.product_uom.rounding
                )
                >= 0
            )
            if covered:
                # Shrunk after the post (below): the scanned stock is free stock
                # (see _scan_take_quants), so the order does not matter to the
                # quants, and the order's state is then recomputed once for the
                # done move and the smaller open one, not once for each.
                shrink = (original, remaining, covered)
            else:
                # Procured again first, as before: its new supply must not be
                # the stock this scan takes.
                self._scan_shrink_open_move(original, remaining, covered, quants)
        else:
            vals = production._get_move_raw_values(product, quantity, product.uom_id)
            vals["location_id"] = location.id
        vals["barcode_planned_qty"] = planned_share
        vals["barcode_scanned"] = True
        vals["product_uom_qty"] = quantity
        vals["product_uom"] = product.uom_id.id
        context = {
            SCAN_CONTEXT_KEY: {
                "scan_id": scan_id,
                "device_id": request.get("device_id"),
                "production": {"id": self.id, "name": self.name},
                "action": "consume",
            }
        }
        # As core posts a scrap or an inventory adjustment: the draft move is
        # created with its picked lines (the quants chosen above), and
        # _action_done confirms and posts it. Confirming it first would
        # reserve lines only to drop them for these.
        vals["move_line_ids"] = [
            Command.create(
                {
                    "product_id": product.id,
                    "product_uom_id": product.uom_id.id,
                    "quantity": qty,
                    "lot_id": quant.lot_id.id,
                    "package_id": quant.package_id.id,
                    "owner_id": quant.owner_id.id,
                    "location_id": quant.location_id.id,
                    "location_dest_id": vals["location_dest_id"],
                    "picked": True,
                }
            )
            for quant, qty in quants
        ]
        vals["picked"] = True
        move = Move.with_context(**context).create(vals)
        move._action_done(cancel_backorder=True)
        if move.state != "done":
            raise UserError(_("The consumption move could not be posted."))
        if shrink:
            self._scan_shrink_open_move(*shrink, quants)
        return move

    def _scan_shrink_open_move(self, original, remaining, covered, quants):
        """Lower the open raw move's demand to ``remaining`` and its reservation with it.

        ``covered``: its reservation covers the smaller demand, so nothing is
        procured or reserved again (see _scan_post).
        """
        original.with_context(
            do_not_unreserve=True, no_procurement=covered
        ).product_uom_qty = remaining
        if original.quantity > remaining and not original.picked:
            # Its lines' write sets the move's state from the new demand.
            self._scan_trim_reservation(original, remaining, quants)
        elif covered:
            original._recompute_state()

    @staticmethod
    def _scan_trim_reservation(move, target, quants):
        """Reserve no more than ``target`` on ``move``: the scanned quants' lines go first."""
        left = move.quantity - target
        scanned = {(q.location_id, q.lot_id, q.package_id, q.owner_id) for q, _qty in quants}
        lines = move.move_line_ids.filtered(lambda ml: not ml.picked).sorted(
            lambda ml: (
                (ml.location_id, ml.lot_id, ml.package_id, ml.owner_id) in scanned,
                ml.id,
            ),
            reverse=True,
        )
        # The quants these lines reserved, found in one query, given to core
        # as its _action_done gives its lines' quants (``quants_cache``): a
        # line's write unreserves and reserves again, each with two searches
        # of them. Core's _gather looks up (product, location, lot or no lot,
        # package, owner), the location being the line's own: those keys are
        # read with their fields (a search, not core's grouped read of the
        # locations' children, _get_quants_by_products_locations).
        cache = defaultdict(lambda: move.env["stock.quant"])
        for quant in move.env["stock.quant"].search_fetch(
            [
                ("product_id", "in", lines.product_id.ids),
                ("location_id", "in", lines.location_id.ids),
                "|",
                ("lot_id", "in", lines.lot_id.ids),
                ("lot_id", "=", False),
            ],
            ["product_id", "location_id", "lot_id", "package_id", "owner_id"],
            order="lot_id, id",
        ):
            key = (
                quant.product_id.id,
                quant.location_id.id,
                quant.lot_id.id,
                quant.package_id.id,
                quant.owner_id.id,
            )
            cache[key] |= quant
        for line in lines.with_context(quants_cache=cache):
            if left <= 0:
                break
            if line.quantity <= left:
                left -= line.quantity
                line.unlink()
            else:
                line.quantity -= left
                left = 0

    def _scan_undo_last(self, request, scan_id, facts):
        device = request.get("device_id")
        domain = [
            ("production_id", "=", self.id),
            ("action", "=", "consume"),
            ("result", "=", "accepted"),
            ("replayed", "=", False),
            ("undone_by_id", "=", False),
            ("move_id", "!=", False),
        ]
        if device:
            domain.append(("device_id", "=", str(device)))
        last = self.env["mrp.barcode.scan"].sudo().search(domain, order="id desc", limit=1)
        if not last:
            raise ScanRefusal(
                "nothing_to_undo",
                _("No scan of %(mo)s is left to undo.", mo=self.name),
                **facts,
            )
        move = last.move_id.sudo()  # sudo: the service reverses what it posted
        facts.update(
            product=move.product_id,
            lot=last.lot_id,
            location=last.location_id,
            quantity=-last.quantity,
            undo_of=last,
        )
        context = {
            SCAN_CONTEXT_KEY: {
                "scan_id": scan_id,
                "device_id": device,
                "production": {"id": self.id, "name": self.name},
                "action": "undo",
                "undoes": last.scan_id or None,  # a scan logged without a scan id
            }
        }
        move = move.with_context(**context)
        move.move_line_ids.write({"quantity": 0.0})
        original = self.sudo().move_raw_ids.filtered(
            lambda m: m.product_id == move.product_id and m.state not in ("done", "cancel")
        )[:1]
        if move.barcode_planned_qty and original:
            original.product_uom_qty += move.product_id.uom_id._compute_quantity(
                move.barcode_planned_qty, original.product_uom, round=False
            )
        elif move.barcode_planned_qty:
            vals = self.sudo()._get_move_raw_values(
                move.product_id, move.barcode_planned_qty, move.product_id.uom_id
            )
            self.sudo().move_raw_ids = [Command.create(vals)]
            self.sudo().move_raw_ids.filtered(lambda m: m.state == "draft")._action_confirm(
                merge=False
            )
        move.barcode_planned_qty = 0.0
        product = move.product_id
        consumed = {
            "product_id": product.id,
            "product": product.display_name,
            "lot": last.lot_id.name or None,
            "quantity": -last.quantity,
            "uom": product.uom_id.name,
        }
        message = _(
            "Scan undone: %(qty)s %(uom)s %(product)s%(lot)s back to stock from %(mo)s.",
            qty=last.quantity,
            uom=product.uom_id.name,
            product=product.display_name,
            lot=f" ({last.lot_id.name})" if last.lot_id else "",
            mo=self.name,
        )
        return self._scan_answer("undone", message, scan_id, self, consumed=consumed), facts

    # ------------------------------------------------------------------
    # Closing the MO: what scans consumed counts, and is not consumed again
    # ------------------------------------------------------------------
    def _post_inventory(self, cancel_backorder=False):
        result = super()._post_inventory(cancel_backorder=cancel_backorder)
        for order in self:
            scanned = order.move_raw_ids.filtered(
                lambda m: m.barcode_scanned and m.state == "done"
            ).move_line_ids.filtered(lambda ml: ml.quantity > 0)
            finished = order.move_finished_ids.filtered(lambda m: m.state == "done").move_line_ids
            if scanned and finished:
                finished.write({"consume_line_ids": [Command.link(ml.id) for ml in scanned]})
        return result

    def _cal_price(self, consumed_moves):
        # Scanned components were posted before the close: the finished
        # product's cost includes them all the same.
        scanned = self.move_raw_ids.filtered(lambda m: m.barcode_scanned and m.state == "done")
        return super()._cal_price(consumed_moves | scanned)
