"""Webhooks, both sides: `registration` (ensure one per name on the tenant) and `listener`
(receive, verify and keep deliveries). Beside the jobs: it uses the client, never the engine.
"""
