import { registry } from "@web/core/registry";

// What a WMS exported: 18 valves where Odoo has 20, and 2 (dozens?) gaskets where Odoo has 24.
const SNAPSHOT = "sku,location,quantity\nTOUR-1,,18\nTOUR-2,,2\n";

registry.category("web_tour.tours").add("stock_sync_reconciliation_tour", {
    steps: () => [
        {
            content: "Import a snapshot",
            trigger: ".o_control_panel button[name='action_import_snapshot']",
            run: "click",
        },
        {
            content: "Upload the snapshot file",
            trigger: ".o_field_widget[name='file'] .o_select_file_button",
            run() {
                const input = document.querySelector(".o_field_widget[name='file'] input[type='file']");
                const transfer = new DataTransfer();
                transfer.items.add(new File([SNAPSHOT], "tour_snapshot.csv", { type: "text/csv" }));
                input.files = transfer.files;
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "The columns are recognised and the preview shows the rows",
            trigger: ".o_field_widget[name='preview'] table td:contains('TOUR-2')",
        },
        {
            content: "The quantity column is found",
            trigger: ".o_field_widget[name='col_quantity'] input:value(quantity)",
        },
        {
            content: "Only the products listed are compared",
            trigger: ".o_field_widget[name='full_snapshot'] input",
            run: "click",
        },
        {
            content: "Import and compare",
            trigger: "button[name='action_import']",
            run: "click",
        },
        {
            content: "The run is waiting for approval",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('To Approve')",
        },
        {
            content: "The gasket's difference carries its hint: a unit factor",
            trigger: ".o_data_row:contains('TOUR-2') td[name='hint']:contains('ratio is 12')",
        },
        {
            content: "Approve the valve's difference",
            trigger: ".o_data_row:contains('TOUR-1') button[name='action_approve']",
            run: "click",
        },
        {
            content: "It is approved",
            trigger: ".o_data_row:contains('TOUR-1') td[name='decision']:contains('Approved')",
        },
        {
            content: "Apply the corrections",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_apply']",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The run is applied",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Applied')",
        },
    ],
});
