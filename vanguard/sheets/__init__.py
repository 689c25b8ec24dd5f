"""Excel machinery shared by every importer and exporter. Knows nothing of the domain."""
