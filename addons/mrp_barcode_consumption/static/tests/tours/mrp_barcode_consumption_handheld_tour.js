/** @odoo-module **/
import { registry } from "@web/core/registry";

// A keyboard-wedge scanner types the barcode and Enter into the page: Odoo's
// barcode service reads it from the keydown events on the body.
function wedgeScan(barcode) {
    document.activeElement?.blur();
    for (const key of [...barcode, "Enter"]) {
        document.body.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
    }
}

function componentRow(product) {
    return `.o_handheld_component:has(.o_handheld_product:contains('${product}'))`;
}

function remaining(product, quantity) {
    return `${componentRow(product)} .o_handheld_remaining:contains('${quantity}')`;
}

// A shop floor operator on a 360 px handheld: picks the order, scans a
// component, sees what remains go down, scans a bad barcode and reads why it
// is refused, then undoes the last scan.
registry.category("web_tour.tours").add("mrp_barcode_consumption_handheld", {
    url: "/odoo/scan-components",
    steps: () => [
        {
            content: "The screen fits a 360 px handheld: nothing sticks out sideways",
            trigger: ".o_mrp_handheld .o_handheld_pick:contains('Tour Pump')",
            run() {
                const width = document.documentElement.clientWidth;
                const scrolling = document.querySelector(".o_mrp_handheld .o_handheld_body");
                if (width > 360 || scrolling.scrollWidth > scrolling.clientWidth) {
                    throw new Error(`not mobile: ${width}px, content ${scrolling.scrollWidth}px`);
                }
            },
        },
        {
            content: "Pick the order of the Tour Pump",
            trigger: ".o_mrp_handheld .o_handheld_pick:contains('Tour Pump')",
            run: "click",
        },
        {
            content: "The order is open, with what each component still needs",
            trigger: `.o_mrp_handheld ${remaining("Tour Bolt", "8")}`,
        },
        {
            content: "Scan a bolt with the handheld's scanner (keyboard wedge)",
            trigger: ".o_mrp_handheld .o_handheld_mo_name",
            run() {
                wedgeScan("TOUR-BOLT-01");
            },
        },
        {
            content: "Green, and one bolt less to go",
            trigger: `.o_handheld_feedback.alert-success[data-code='consumed']`,
        },
        {
            content: "7 bolts remain",
            trigger: remaining("Tour Bolt", "7"),
        },
        {
            content: "Type two more by hand: the barcode",
            trigger: ".o_handheld_barcode",
            run: "edit TOUR-BOLT-01",
        },
        {
            content: "the quantity",
            trigger: ".o_handheld_qty",
            run: "edit 2",
        },
        {
            content: "and send",
            trigger: ".o_handheld_submit",
            run: "click",
        },
        {
            content: "5 bolts remain",
            trigger: remaining("Tour Bolt", "5"),
        },
        {
            content: "Scan something that is not a part",
            trigger: ".o_handheld_barcode",
            run: "edit NOT-A-PART-99",
        },
        {
            content: "send it",
            trigger: ".o_handheld_submit",
            run: "click",
        },
        {
            content: "Red, with the reason",
            trigger: ".o_handheld_feedback.alert-danger[data-code='unknown_barcode'] .o_handheld_message:contains('NOT-A-PART-99')",
        },
        {
            content: "Nothing was consumed by the bad scan",
            trigger: remaining("Tour Bolt", "5"),
        },
        {
            content: "Undo the last scan",
            trigger: ".o_handheld_undo:enabled",
            run: "click",
        },
        {
            content: "The two bolts are back to go",
            trigger: `.o_handheld_feedback.alert-success[data-code='undone']`,
        },
        {
            content: "7 bolts remain again",
            trigger: remaining("Tour Bolt", "7"),
        },
    ],
});

// A manufacturing user opens the screen from the order's form.
// (started on the order's form: /odoo/manufacturing/<id>)
registry.category("web_tour.tours").add("mrp_barcode_consumption_from_order", {
    steps: () => [
        {
            content: "Scan its components",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Scan Components')",
            run: "click",
        },
        {
            content: "The screen opens on that order",
            trigger: `.o_mrp_handheld ${remaining("Tour Bolt", "8")}`,
        },
        {
            content: "A scan goes to that order",
            trigger: ".o_mrp_handheld .o_handheld_mo_name",
            run() {
                wedgeScan("TOUR-BOLT-01");
            },
        },
        {
            content: "7 bolts remain",
            trigger: remaining("Tour Bolt", "7"),
        },
    ],
});
