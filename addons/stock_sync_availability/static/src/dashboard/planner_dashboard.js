/** @odoo-module **/
// The planner dashboard: draws the tiles of stock.sync.dashboard.get_dashboard_data.
// It holds no figure and no rule: modules add tiles on the server (_dashboard_tiles),
// and every figure carries the window action that opens the records behind it.

import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

export class PlannerDashboard extends Component {
    static template = "stock_sync_availability.PlannerDashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.state = useState({ tiles: [], generatedAt: null, loading: true });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.loading = true;
        const data = await this.orm.call("stock.sync.dashboard", "get_dashboard_data", []);
        this.state.tiles = data.tiles;
        this.state.generatedAt = data.generated_at;
        this.state.loading = false;
    }

    open(action) {
        if (action) {
            this.actionService.doAction(action);
        }
    }
}

registry.category("actions").add("stock_sync_availability.planner_dashboard", PlannerDashboard);
