"""Reporting: what a grading run tells people (summary, JSON, CSV) and students' feedback pages."""
