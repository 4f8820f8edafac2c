# numpy in four threads: each computes a known product
import threading
import numpy as np

results = {}


def work(k):
    a = np.full((120, 120), float(k))
    results[k] = float((a @ np.eye(120)).sum())


threads = [threading.Thread(target=work, args=(k,)) for k in range(1, 5)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(results.items()))
