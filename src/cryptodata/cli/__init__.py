"""The `cryptodata` console script: thin commands over the library."""
