/* kiln's pinned toolchain: Debian's perl runs shell commands (system and exec of a string,
 * qx//, piped open) as execl("/bin/sh", "sh", "-c", cmd, NULL), and a Nix build sandbox has
 * no /bin/sh. This library, loaded before glibc by the relocated perl (patchelf
 * --add-needed), gives perl an execl that runs the toolchain's shell (KILN_SH, fixed when
 * the toolchain is built) in place of /bin/sh; every other call goes on unchanged.
 * It needs no libc headers: it is linked against the pinned glibc and nothing else. */
typedef __builtin_va_list va_list;
extern int execv(const char *path, char *const argv[]);

static int same(const char *a, const char *b) {
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

int execl(const char *path, const char *arg, ...) {
  /* perl passes four arguments; more than 255 are cut, never written past the array. */
  const char *argv[256];
  int n = 0;
  va_list ap;
  argv[n++] = arg;
  __builtin_va_start(ap, arg);
  while (arg && n < 255 && (argv[n] = __builtin_va_arg(ap, const char *)) != 0)
    n++;
  __builtin_va_end(ap);
  argv[n] = 0;
  if (same(path, "/bin/sh"))
    path = KILN_SH;
  return execv(path, (char *const *)argv);
}
