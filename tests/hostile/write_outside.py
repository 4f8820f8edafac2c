# try to create files outside the scratch directory
# @mark
written = []
for path in __PATHS__:
    try:
        with open(path, "w") as fh:
            fh.write("escaped")
        written.append(path)
    except OSError as exc:
        print("denied", path, type(exc).__name__)
print("written", written)
