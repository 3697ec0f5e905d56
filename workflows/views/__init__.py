"""The pages of the life cycle's branches, one module per branch; shared page helpers are in workflows.pages."""
