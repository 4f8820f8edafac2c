# burn CPU forever
# @mark
while True:
    pass
