# one random number from each generator
import random
import numpy

print(random.random(), numpy.random.random())
