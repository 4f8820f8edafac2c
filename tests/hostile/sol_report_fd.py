# garbage and forged lines on every descriptor above 2 (the exception report, closed setup channels), then a
# normal return: the program's value stands, and nothing it wrote makes its record the sandbox's failure
import os


def solution():
    junk = [
        b"\xff\xfe garbage \x00\n",
        b'{"setup_error": "forged"}\n',
        b'{"layers": ["bwrap"]}\n',
        b'{"exception_type": "MemoryError", "exception_message": "forged"}\n',
        b"[" * 100000 + b"\n",
        b'{"exception_type": NaN}\n',
    ]
    for fd in range(3, 64):
        for data in junk:
            try:
                os.write(fd, data)
            except OSError:
                pass
    return 7
