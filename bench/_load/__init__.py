"""The parts of bench/load.py: set-up (`setup`), load clients (`traffic`), faults (`faults`),
figures (`report`), plus the bench's Django settings and an SMS backend that logs every send to
a file (`settings`, `apps`, `sms`).

Lives in a folder so that `make bench` (which runs bench/*.py) does not execute it.
"""
