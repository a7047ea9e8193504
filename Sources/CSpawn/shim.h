// posix_spawn extras Swift cannot see: glibc declares closefrom only under
// _GNU_SOURCE (which would change struct layouts Swift's Glibc module already
// has), so it is declared here; the wait-status helpers are macros.
#ifndef USHER_CSPAWN_SHIM_H
#define USHER_CSPAWN_SHIM_H
#include <spawn.h>
#include <sys/wait.h>

extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *, int);

/// Closes every descriptor from `low` up in the child (glibc >= 2.34).
static inline int usher_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int low) {
    return posix_spawn_file_actions_addclosefrom_np(actions, low);
}

/// The exit code, or 128 + signal number when the child was killed.
static inline int usher_exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}
#endif
