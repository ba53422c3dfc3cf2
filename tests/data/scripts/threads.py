import threading


def work(n, out):
    s = 0
    for i in range(n):
        s += i
    out.append(s)


results = []
workers = [threading.Thread(target=work, args=(10 * (k + 1), results), name=f"worker-{k}") for k in range(3)]
for t in workers:
    t.start()
for t in workers:
    t.join()
print(sorted(results))
