"""Support code for bench/load.py: its settings and an SMS backend that logs every send to a file.

Lives in a folder so that `make bench` (which runs bench/*.py) does not execute it.
"""
