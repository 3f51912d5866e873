"""FridgeCare's fault detection engine: pure Python and numpy, no Home Assistant imports.

The only entry point is :class:`.engine.Engine`; the vocabulary it speaks is in :mod:`.model`
and the meaning of every fault code in :mod:`.catalog`.
"""
