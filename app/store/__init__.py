"""Where runs, templates and measurements live (SQLite file by default, PostgreSQL for replicas)."""
