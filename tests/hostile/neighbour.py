# a benign run that sleeps, then reports: the victim of a neighbour's kill(-1)
import time

time.sleep(__SECONDS__)
print("survived")
