"""Session fixture: a throwaway Redis server (filled in by the Redis limiter work)."""
