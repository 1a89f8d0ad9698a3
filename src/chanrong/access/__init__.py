"""Organisations, people, credentials and what each may do."""
