"""The forms of the life cycle's steps and records, one module per branch."""
