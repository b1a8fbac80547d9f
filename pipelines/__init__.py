"""Khuyến công warehouse: the Dagster code location."""
