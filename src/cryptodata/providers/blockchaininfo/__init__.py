"""blockchain.info (Blockchain.com): charts and the 24-hour stats of the bitcoin network."""

from .client import AsyncBlockchainInfo, BlockchainInfo
from .metrics import BlockchainChart
from .parse import BlockchainStats

__all__ = ["AsyncBlockchainInfo", "BlockchainChart", "BlockchainInfo", "BlockchainStats"]
