# print 100 MB
# @mark
import sys

chunk = "x" * (1024 * 1024)
for _ in range(100):
    sys.stdout.write(chunk)
print("done")
