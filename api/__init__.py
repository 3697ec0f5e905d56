"""The REST API (/api/v1/): DRF views over the same door, services and locks as the pages."""
