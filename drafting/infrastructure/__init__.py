"""Infrastructure the use cases rely on but that is not a use case itself: backup files."""
