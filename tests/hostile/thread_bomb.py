# start threads until something gives
# @mark
import threading, time

n = 0
try:
    while n < 100000:
        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
        n += 1
finally:
    print("threads", n)
