"""Identifiers (标识解析): resolving Handle-style identifiers and GS1 Digital Links."""
