# A Pool(2) that is full: spawn() blocks the caller until a member finishes,
# parked spawners get the freed slots in the order they waited, add() with
# no wait (or a short one) raises PoolFull, and a spawner killed or timed
# out while waiting leaves no slot taken.
import gevent
from gevent.pool import Pool, PoolFull


def tf(x):
    return 'true' if x else 'false'


pool = Pool(2)


def work(name, secs):
    print(name, 'starts, free', pool.free_count())
    gevent.sleep(secs)
    print(name, 'ends')
    return name


def spawner(name, secs):
    print(name, 'waits for a slot, full', tf(pool.full()))
    try:
        pool.spawn(work, name + '-work', secs)
    except gevent.GreenletExit:
        print(name, 'killed while waiting')
        return
    print(name, 'got a slot, length', len(pool))


def driver():
    pool.spawn(work, 'A', 0.54)
    pool.spawn(work, 'B', 0.18)
    print('spawned A and B: length', len(pool), 'free', pool.free_count(), 'full', tf(pool.full()))
    s1 = gevent.spawn(spawner, 'S1', 0.09)
    s2 = gevent.spawn(spawner, 'S2', 0.09)
    s3 = gevent.spawn(spawner, 'S3', 0.09)
    gevent.sleep(0)
    s2.kill()
    print('S2 killed: free', pool.free_count())
    try:
        pool.add(gevent.Greenlet(work, 'X', 0), blocking=False)
    except PoolFull:
        print('add X without waiting: PoolFull')
    try:
        pool.add(gevent.Greenlet(work, 'Y', 0), timeout=0.045)
    except PoolFull:
        print('add Y with a short wait: PoolFull')
    print('driver spawns C')
    c = pool.spawn(work, 'C', 0.09)
    print('driver spawned C: length', len(pool), 'free', pool.free_count())
    gevent.joinall([s1, s2, s3])
    print('wait_available ->', pool.wait_available())
    pool.join()
    print('joined: length', len(pool), 'free', pool.free_count(), 'C value', c.value)


gevent.spawn(driver).join()
print('end')
