import { registry } from "@web/core/registry";

// A planner reads the dashboard's figures and opens the records behind two of them:
// the dead letters of an endpoint, then a product at risk of overselling.
const tile = (key) => `.o_stock_sync_tile[data-key='${key}']`;
const rowOf = (key, label) => `${tile(key)} tr:has(td:first-child:contains('${label}'))`;

registry.category("web_tour.tours").add("stock_sync_availability_planner_dashboard", {
    steps: () => [
        {
            content: "Latency p95 of the endpoint, computed by hand: 2.90 s",
            trigger: `${rowOf("sync_latency", "Test WMS")} a.o_stock_sync_figure[data-col='2']:contains('2.90 s')`,
        },
        {
            content: "Failures by error class: HTTP 4xx, 1 of 5 deliveries",
            trigger: `${rowOf("sync_failures", "HTTP 4xx")} a.o_stock_sync_figure:contains('20.0 %')`,
        },
        {
            content: "The oversell-risk list names the sensor",
            trigger: `${rowOf("oversell_risk", "RISK-1")} a.o_stock_sync_figure:contains('3')`,
        },
        {
            content: "Open the endpoint's dead letters",
            trigger: `${rowOf("sync_backlog", "Test WMS")} a.o_stock_sync_figure[data-col='3']:contains('1')`,
            run: "click",
        },
        {
            content: "The dead delivery is listed, alone",
            trigger: ".o_list_view .o_data_row:only-child .o_data_cell:contains('API-001')",
        },
        {
            content: "Its list is named after the figure",
            trigger: ".o_breadcrumb:contains('Dead letters of Test WMS')",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Planner Dashboard')",
            run: "click",
        },
        {
            content: "Open the sensor's oversell gap",
            trigger: `${rowOf("oversell_risk", "RISK-1")} a.o_stock_sync_figure[data-col='4']`,
            run: "click",
        },
        {
            content: "The channel's row of the sensor is listed",
            trigger: ".o_list_view .o_data_row:only-child .o_data_cell:contains('Dashboard Shop')",
        },
    ],
});
