"""Post-loan early warnings: rules, their engine, alert life cycle and webhooks."""
