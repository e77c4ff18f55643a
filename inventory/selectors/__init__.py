"""Reads, one module per subject: figures (aggregates and an edition's), headcounts, indicators derived from
them, the sources and places the pages read, the dashboard and Kerncijfers, editions, the audit trail."""
