# allocate 10 GB
# @mark
block = bytearray(10 * 1024**3)
print(len(block))
