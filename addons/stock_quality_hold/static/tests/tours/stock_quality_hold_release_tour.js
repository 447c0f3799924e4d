import { registry } from "@web/core/registry";

// A quality manager finds a held lot, reads why it is held, and releases it.
registry.category("web_tour.tours").add("stock_quality_hold_release", {
    url: "/odoo/action-stock.action_production_lot_form",
    steps: () => [
        {
            content: "The held lot shows its status in the list",
            trigger: ".o_data_row:contains('TOUR-LOT-1') .o_field_widget[name='quality_status']:contains('Quarantined')",
        },
        {
            content: "Open the held lot",
            trigger: ".o_data_row td.o_data_cell:contains('TOUR-LOT-1')",
            run: "click",
        },
        {
            content: "Why it is held",
            trigger: ".o_form_view .o_field_widget[name='quality_reason_id']:contains('Contamination suspected')",
        },
        {
            content: "It is quarantined",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Quarantined')",
        },
        {
            content: "Release it",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Release')",
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: ".modal .o_field_widget[name='reason_id'] input",
            run: "edit Inspection passed",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('Inspection passed')",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The lot is released",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Released')",
        },
    ],
});
