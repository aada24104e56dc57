"""Group sessions, attendance, notes and the notification outbox (models arrive later)."""
