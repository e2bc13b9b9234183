"""Domain services: plain functions that never read the request or the current user."""
