# as many empty files as the CPU limit allows in the scratch directory: removing them all would take longer than
# the worker may spend cleaning up after a task
import os


def solution():
    n = 0
    try:
        while n < __N__:
            os.close(os.open(f"f{n}", os.O_CREAT | os.O_WRONLY, 0o600))
            n += 1
    except OSError:
        pass
    return n > 0
