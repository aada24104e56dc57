"""Therapy groups, enrollments and goals (models arrive with the facilitators issue)."""
