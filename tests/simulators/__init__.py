"""Stand-ins for external systems, used by tests and benchmarks (no Odoo import)."""

from .webhook_receiver import WebhookReceiver

__all__ = ["WebhookReceiver"]
