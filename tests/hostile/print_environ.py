# print its own environment
# @mark
import os

print(dict(os.environ))
