"""The MarketData layer: asset registry, routing by coverage, the capability table.

It sits above the providers and below the pipelines and the command line, and knows sources
only through the source protocol (`cryptodata.core.source`): it imports no provider package.
"""
