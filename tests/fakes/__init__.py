"""In-process fakes of provider APIs, usable with pytest-httpx or httpx.MockTransport."""
