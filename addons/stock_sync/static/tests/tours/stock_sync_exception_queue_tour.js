import { registry } from "@web/core/registry";

// A sync user finds the exception queue from the Inventory menu, opens a
// dead delivery, reads why it failed and sends it again.
registry.category("web_tour.tours").add("stock_sync_exception_queue", {
    url: "/odoo",
    steps: () => [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open Inventory",
            trigger: ".o_app[data-menu-xmlid='stock.menu_stock_root']",
            run: "click",
        },
        {
            content: "Open the Inventory Sync menu",
            trigger: ".o_menu_sections [data-menu-xmlid='stock_sync.menu_stock_sync_root']",
            run: "click",
        },
        {
            content: "Open the exception queue",
            trigger: "[data-menu-xmlid='stock_sync.menu_stock_sync_exception_queue']",
            run: "click",
        },
        {
            content: "Expand the endpoint's group",
            trigger: ".o_group_header:contains('Tour WMS')",
            run: "click",
        },
        {
            content: "Open the dead delivery",
            trigger: ".o_data_row td.o_data_cell:contains('TOUR-API')",
            run: "click",
        },
        {
            content: "The receiver's answer is shown",
            trigger: ".o_form_view .o_field_widget[name='error_message']:contains('refused the batch for good')",
        },
        {
            content: "Retry it",
            trigger: ".o_form_view button[name='action_retry_now']",
            run: "click",
        },
        {
            content: "It is queued again",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Pending')",
        },
    ],
});
