"""Energy and carbon accounting (能-碳): factors, accounts, footprints, quotas, park views."""
