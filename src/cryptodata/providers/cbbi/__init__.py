"""CBBI, the ColinTalksCrypto Bitcoin Bull Run Index: a daily confidence and its components."""

from .client import AsyncCbbi, Cbbi

__all__ = ["AsyncCbbi", "Cbbi"]
