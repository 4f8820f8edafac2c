# sleep forever (no CPU used: only the wall clock can stop it)
# @mark
import time

time.sleep(10**6)
