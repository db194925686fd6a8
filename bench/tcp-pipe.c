// The ceiling for any proxy in bench/router.sh: a single-threaded epoll relay in C that pairs each
// client connection with its own upstream connection and copies bytes both ways — no HTTP parsing,
// no headers added, no logging. Whatever a real proxy does on top of this only costs more.
// Usage: tcp-pipe LISTEN_PORT UPSTREAM_PORT   (both on 127.0.0.1)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 65536
static int peer_of[MAX_FDS];

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

static void watch(int epoll, int fd) {
  struct epoll_event event = {.events = EPOLLIN, .data.fd = fd};
  epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: tcp-pipe LISTEN_PORT UPSTREAM_PORT\n");
    return 2;
  }
  struct sockaddr_in listen_addr = loopback(atoi(argv[1])), upstream_addr = loopback(atoi(argv[2]));
  int one = 1;
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listener, (struct sockaddr *)&listen_addr, sizeof listen_addr) < 0 || listen(listener, 1024) < 0) {
    perror("tcp-pipe: listen");
    return 1;
  }
  int epoll = epoll_create1(0);
  watch(epoll, listener);
  struct epoll_event events[256];
  static char buffer[65536];
  for (;;) {
    int ready = epoll_wait(epoll, events, 256, -1);
    for (int i = 0; i < ready; i++) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        int client;
        while ((client = accept(listener, NULL, NULL)) >= 0) {
          // Sockets stay blocking for send (whole writes, as small as these are); reads never block.
          int upstream = socket(AF_INET, SOCK_STREAM, 0);
          if (client >= MAX_FDS || upstream >= MAX_FDS ||
              connect(upstream, (struct sockaddr *)&upstream_addr, sizeof upstream_addr) < 0) {
            close(client);
            close(upstream);
            continue;
          }
          setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          peer_of[client] = upstream;
          peer_of[upstream] = client;
          watch(epoll, client);
          watch(epoll, upstream);
        }
        continue;
      }
      int peer = peer_of[fd];
      if (peer < 0) continue; // closed earlier in this batch, with its peer
      ssize_t got = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (got <= 0 || send(peer, buffer, got, MSG_NOSIGNAL) != got) {
        peer_of[fd] = peer_of[peer] = -1;
        close(peer);
        close(fd);
      }
    }
  }
}
