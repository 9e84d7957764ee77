"""Scheduled jobs that run once across every node: a lock and a record per run (#11)."""
