# read a host file (/etc/shadow, the gold answers, ...) and print it
# @mark
for path in __PATHS__:
    try:
        with open(path) as fh:
            print("read", path, fh.read())
    except OSError as exc:
        print("denied", path, type(exc).__name__)
