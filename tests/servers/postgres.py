"""Session fixture: a throwaway PostgreSQL cluster (filled in by the Postgres sink work)."""
