// posix_spawn extras Swift cannot see: glibc declares closefrom only under
// _GNU_SOURCE (which would change struct layouts Swift's Glibc module already
// has), so it is declared here; the wait-status helpers are macros.
#ifndef USHER_CSPAWN_SHIM_H
#define USHER_CSPAWN_SHIM_H
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *, int);

/// Closes every descriptor from `low` up in the child (glibc >= 2.34).
static inline int usher_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int low) {
    return posix_spawn_file_actions_addclosefrom_np(actions, low);
}

/// A child must start with no signal blocked and the usual dispositions. The
/// spawning thread is a Dispatch/concurrency worker whose mask blocks signals, and
/// the process ignores SIGPIPE (NIO); both would otherwise be inherited, leaving
/// e.g. a tmux server that never hears SIGTERM or SIGCHLD.
static inline int usher_spawnattr_reset_signals(posix_spawnattr_t *attributes) {
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    int reset[] = {SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU};
    for (unsigned i = 0; i < sizeof reset / sizeof reset[0]; i++) sigaddset(&defaults, reset[i]);
    int result = posix_spawnattr_setsigmask(attributes, &none);
    if (result == 0) result = posix_spawnattr_setsigdefault(attributes, &defaults);
    if (result == 0) result = posix_spawnattr_setflags(attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    return result;
}

/// The exit code, or 128 + signal number when the child was killed.
static inline int usher_exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}
#endif
