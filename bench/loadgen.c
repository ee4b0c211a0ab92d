/*
 * Ping-pong load generator for the echo benchmarks (bench/echo.ts): opens
 * <conns> connections to 127.0.0.1:<port>; on each, sends a <size>-byte
 * message, waits until all of it has come back, and repeats. After a warm-up
 * of <warmup_ms> it counts completed round trips for <ms> milliseconds and
 * prints {"roundTrips":N,"seconds":S,"failed":F} as JSON on stdout.
 *
 * In C so that the load costs the shared machine as little CPU as it can:
 * on two cores a JavaScript generator takes a whole core from the servers.
 *
 * usage: loadgen <port> <conns> <size> <ms> [warmup_ms]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
  int fd;
  size_t got; /* bytes of the current echo received */
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int send_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        /* the server is not reading: wait for room (rare with ping-pong) */
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
        continue;
      }
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s <port> <conns> <size> <ms> [warmup_ms]\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]);
  int nconns = atoi(argv[2]);
  size_t size = (size_t)atol(argv[3]);
  double ms = atof(argv[4]);
  double warmup_ms = argc > 5 ? atof(argv[5]) : 300;
  if (nconns <= 0 || size == 0) return 2;

  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nconns + 64) {
    rl.rlim_cur = rl.rlim_max < (rlim_t)nconns + 64 ? rl.rlim_max : (rlim_t)nconns + 64;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  char *message = malloc(size);
  char *sink = malloc(65536);
  memset(message, 'a', size);
  struct conn *conns = calloc((size_t)nconns, sizeof *conns);
  int ep = epoll_create1(0);
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  long failed = 0;

  /* Blocking connects, one at a time, so the listen backlog never overflows. */
  for (int i = 0; i < nconns; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
      perror("connect");
      return 1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conns[i].fd = fd;
    struct epoll_event ev = {.events = EPOLLIN, .data = {.u32 = (unsigned)i}};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  for (int i = 0; i < nconns; i++) {
    if (send_all(conns[i].fd, message, size) < 0) failed++;
  }

  long count = 0;
  int measuring = 0;
  double start = now_s();
  double t0 = 0;
  double end_warmup = start + warmup_ms / 1000;
  double end = end_warmup + ms / 1000;
  struct epoll_event events[256];
  for (;;) {
    double t = now_s();
    if (!measuring && t >= end_warmup) {
      measuring = 1;
      count = 0;
      t0 = t;
    }
    if (t >= end) break;
    int n = epoll_wait(ep, events, 256, 10);
    for (int e = 0; e < n; e++) {
      struct conn *c = &conns[events[e].data.u32];
      ssize_t r = recv(c->fd, sink, 65536, 0);
      if (r <= 0) {
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        failed++;
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        continue;
      }
      c->got += (size_t)r;
      while (c->got >= size) {
        c->got -= size;
        if (measuring) count++;
        if (send_all(c->fd, message, size) < 0) failed++;
      }
    }
  }
  double seconds = now_s() - t0;
  printf("{\"roundTrips\":%ld,\"seconds\":%.6f,\"failed\":%ld}\n", count, seconds, failed);
  return 0;
}
