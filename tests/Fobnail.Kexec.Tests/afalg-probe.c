// Benchmark probe for bench-hash-guest.sh, not part of the product: SHA digest of a file through an AF_ALG hash
// socket, fed either by pread+send(MSG_MORE) in CHUNK-byte pieces (as fobnail-init does) or by one sendfile(2)
// (the kernel splices the page cache into the socket, no copy to user space). Prints "HEX  FILE" like sha256sum.
#include <linux/if_alg.h>
#include <sys/socket.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: afalg ALG read|sendfile FILE [CHUNK]\n"); return 2; }
  struct sockaddr_alg sa = { .salg_family = AF_ALG, .salg_type = "hash" };
  strncpy((char *)sa.salg_name, argv[1], sizeof sa.salg_name - 1);
  int t = socket(AF_ALG, SOCK_SEQPACKET, 0);
  if (t < 0 || bind(t, (struct sockaddr *)&sa, sizeof sa)) { perror("bind"); return 1; }
  int op = accept(t, 0, 0);
  int fd = open(argv[3], O_RDONLY);
  struct stat st; fstat(fd, &st);
  if (!strcmp(argv[2], "read")) {
    size_t chunk = argc > 4 ? strtoul(argv[4], 0, 0) : 1 << 20;
    char *buf = malloc(chunk); ssize_t n; off_t off = 0;
    while ((n = pread(fd, buf, chunk, off)) > 0) { off += n; if (send(op, buf, n, MSG_MORE) != n) { perror("send"); return 1; } }
  } else {
    off_t off = 0;
    while (off < st.st_size) {
      ssize_t n = sendfile(op, fd, &off, st.st_size - off);
      if (n <= 0) { perror("sendfile"); return 1; }
    }
  }
  unsigned char d[64]; ssize_t n = read(op, d, sizeof d);
  if (n <= 0) { perror("read"); return 1; }
  for (int i = 0; i < n; i++) printf("%02x", d[i]);
  printf("  %s\n", argv[3]);
  return 0;
}
