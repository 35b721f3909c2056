"""Eviction plans: the pure planner, and planning for files on disk."""
