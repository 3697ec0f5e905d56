"""The branches of the life cycle, one module each: what happens to an episode and in what order."""
