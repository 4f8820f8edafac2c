# write a 1 GB file in the scratch directory
# @mark
chunk = b"\0" * (1024 * 1024)
with open("big.bin", "wb") as fh:
    for _ in range(1024):
        fh.write(chunk)
print("wrote 1 GB")
