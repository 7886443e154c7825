/* bench-run: runs a program with stdin from a file and some variables set, with
 * no shell. scripts/bench.sh runs every command of its stdin table through it,
 * /bin/true included, so that this small cost is the same on every side.
 *
 *   bench-run [-i FILE] [NAME=VALUE ...] PROGRAM [ARG ...]
 *
 * FILE defaults to /dev/null. PROGRAM is an absolute path (no PATH search).
 * Built with -static so that starting it costs one execve and no dynamic loader.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  const char* input = "/dev/null";
  int i = 1;
  if (i + 1 < argc && strcmp(argv[i], "-i") == 0) {
    input = argv[i + 1];
    i += 2;
  }
  for (; i < argc && argv[i][0] != '/' && strchr(argv[i], '=') != NULL; ++i) {
    if (putenv(argv[i]) != 0) {
      perror("bench-run: putenv");
      return 127;
    }
  }
  if (i >= argc) {
    fputs("usage: bench-run [-i FILE] [NAME=VALUE ...] /PATH/TO/PROGRAM [ARG ...]\n", stderr);
    return 127;
  }
  const int fd = open(input, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    perror(input);
    return 127;
  }
  if (fd != STDIN_FILENO && dup2(fd, STDIN_FILENO) < 0) {
    perror("bench-run: dup2");
    return 127;
  }
  if (fd == STDIN_FILENO) fcntl(fd, F_SETFD, 0);
  execv(argv[i], argv + i);
  perror(argv[i]);
  return 127;
}
