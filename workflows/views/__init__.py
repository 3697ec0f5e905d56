"""The pages of the life cycle's branches, one module per branch; what the pages share is in workflows.pages."""
