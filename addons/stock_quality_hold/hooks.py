def post_init_hook(env):
    """Existing warehouses get their hold buckets too (new ones get them at creation)."""
    env["stock.warehouse"].with_context(active_test=False).search([])._create_quality_buckets()
