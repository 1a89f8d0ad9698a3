"""The tamper-evident ledger: every accepted batch is a leaf of an RFC 6962 Merkle log."""
