"""The `cxo` commands, a module each (registered in `cli/main.py`); `runs` also holds the
options and the `execute` every job command shares.
"""
