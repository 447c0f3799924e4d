/** @odoo-module **/
// The handheld screen: pick or scan a manufacturing order, scan its components
// (keyboard-wedge scanner through Odoo's barcode service, the camera, or typed),
// watch consumed and remaining per component, undo the last scan.
// Every scan goes to mrp.production.consume_scan, the one door of consumption
// by scan; the screen holds no business rule.

import { Component, onWillStart, useRef, useState } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { scanBarcode } from "@web/core/barcode/barcode_dialog";
import { isBarcodeScannerSupported } from "@web/core/barcode/barcode_video_scanner";
import { _t } from "@web/core/l10n/translation";
import { ConnectionLostError } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { useBus, useService } from "@web/core/utils/hooks";
import { newScanId, signalScan } from "./feedback";

const OPEN_STATES = ["confirmed", "progress", "to_close"];
const DEVICE_KEY = "mrp_barcode_consumption.device_id";
// A scan lost on the way (Wi-Fi gap) is sent again with the same scan id: the
// service answers the first result again instead of consuming twice.
const RETRY_DELAYS_MS = [500, 1500, 3000];

export class HandheldScan extends Component {
    static template = "mrp_barcode_consumption.HandheldScan";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.barcode = useService("barcode");
        this.state = useState({
            production: null, // {id, name, state}
            components: [],
            productions: [], // open orders to pick from
            feedback: null, // {ok, code, message, warnings}
            lastProductId: null,
            pending: 0,
            manual: "",
            quantity: "",
        });
        this.manualInput = useRef("manualInput");
        this.cameraSupported = isBarcodeScannerSupported();
        this.deviceId = this.getDeviceId();
        this.queue = Promise.resolve();
        useBus(this.barcode.bus, "barcode_scanned", (ev) => this.enqueue(ev.detail.barcode));
        onWillStart(() => this.start());
    }

    // ------------------------------------------------------------ set-up
    getDeviceId() {
        let deviceId = browser.localStorage.getItem(DEVICE_KEY);
        if (!deviceId) {
            deviceId = `web-${newScanId().slice(0, 8)}`;
            browser.localStorage.setItem(DEVICE_KEY, deviceId);
        }
        return deviceId;
    }

    async start() {
        const context = this.props.action?.context || {};
        const fromOrder = !context.active_model || context.active_model === "mrp.production";
        if (context.active_id && fromOrder) {
            // search_read, not read: an order deleted or out of reach since the
            // link was made gives the list instead of an error
            const [production] = await this.orm.searchRead(
                "mrp.production",
                [["id", "=", context.active_id]],
                ["name"]
            );
            if (production) {
                await this.process(production.name);
                return;
            }
        }
        await this.loadProductions();
    }

    async loadProductions() {
        this.state.productions = await this.orm.searchRead(
            "mrp.production",
            [["state", "in", OPEN_STATES]],
            ["name", "product_id", "product_qty", "product_uom_id", "state"],
            { order: "date_start asc, id asc", limit: 40 }
        );
    }

    // ------------------------------------------------------------ scans
    /** Scans are sent one at a time, in the order they were read. */
    enqueue(barcode) {
        const value = (barcode || "").trim();
        if (!value) {
            return this.queue;
        }
        this.state.pending++;
        this.queue = this.queue
            .then(() => this.process(value))
            .finally(() => this.state.pending--);
        return this.queue;
    }

    async process(barcode) {
        const production = this.state.production;
        const quantity = production ? this.parsedQuantity() : null;
        const answer = await this.call("consume_scan", [barcode], {
            production: production ? production.id : null,
            quantity,
            device_id: this.deviceId,
        });
        this.state.quantity = "";
        this.show(answer);
    }

    async undo() {
        if (!this.state.production) {
            return;
        }
        this.state.pending++;
        this.queue = this.queue
            .then(async () => {
                const answer = await this.call("undo_last_scan", [this.state.production.id], {
                    device_id: this.deviceId,
                });
                this.show(answer);
            })
            .finally(() => this.state.pending--);
        return this.queue;
    }

    parsedQuantity() {
        const raw = String(this.state.quantity || "").trim();
        if (!raw) {
            return null;
        }
        const number = Number(raw.replace(",", "."));
        // not a number: sent as typed, the service refuses it with its reason
        return Number.isFinite(number) ? number : raw;
    }

    /** Calls the service with one scan id, resent as is when the network failed. */
    async call(method, args, kwargs) {
        const scanId = newScanId();
        for (let attempt = 0; ; attempt++) {
            try {
                return await this.orm.call("mrp.production", method, args, {
                    ...kwargs,
                    scan_id: scanId,
                });
            } catch (error) {
                if (error instanceof ConnectionLostError && attempt < RETRY_DELAYS_MS.length) {
                    await new Promise((resolve) =>
                        browser.setTimeout(resolve, RETRY_DELAYS_MS[attempt])
                    );
                    continue;
                }
                const message =
                    error instanceof ConnectionLostError
                        ? _t("No connection to Odoo: the scan was not recorded. Scan again.")
                        : error.data?.message || error.message || String(error);
                return { ok: false, code: "error", message, warnings: [] };
            }
        }
    }

    show(answer) {
        if (answer.production) {
            if (this.state.production?.id !== answer.production.id) {
                this.props.updateActionState?.({ active_id: answer.production.id });
            }
            this.state.production = answer.production;
        }
        if (answer.components?.length || answer.production) {
            this.state.components = answer.components || [];
        }
        this.state.lastProductId = answer.consumed?.product_id || null;
        this.state.feedback = {
            ok: answer.ok,
            code: answer.code,
            message: answer.message,
            warnings: answer.warnings || [],
        };
        signalScan(!answer.ok ? "error" : answer.warnings?.length ? "warning" : "ok");
    }

    // ------------------------------------------------------------ UI handlers
    onManualSubmit(ev) {
        ev.preventDefault();
        const value = this.state.manual;
        this.state.manual = "";
        this.enqueue(value);
    }

    onPick(production) {
        this.enqueue(production.name);
    }

    async onCamera() {
        let barcode = null;
        try {
            barcode = await scanBarcode(this.env);
        } catch (error) {
            this.state.feedback = { ok: false, code: "camera", message: error.message, warnings: [] };
            return;
        }
        if (barcode) {
            this.enqueue(barcode);
        }
    }

    async changeProduction() {
        this.state.production = null;
        this.state.components = [];
        this.state.feedback = null;
        this.state.lastProductId = null;
        this.props.updateActionState?.({ active_id: false });
        await this.loadProductions();
    }

    // ------------------------------------------------------------ display
    formatQty(value) {
        return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)));
    }

    withUnit(value, uom) {
        return `${this.formatQty(value)} ${uom || ""}`.trim();
    }

    componentClass(component) {
        return {
            "o_handheld_done": component.remaining <= 0,
            "o_handheld_last": component.product_id === this.state.lastProductId,
        };
    }
}

registry.category("actions").add("mrp_barcode_consumption.handheld_scan", HandheldScan);
