"""Throwaway database servers for tests: real PostgreSQL and Redis on loopback ports."""
