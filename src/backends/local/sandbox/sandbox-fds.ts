/**
 * The descriptors a sandbox's bwrap is started with, all in one place so that no two share a
 * number (the network's block fd and the keyring's seccomp program were each given 5 on their
 * own). 0 is stdin (closed), 1 and 2 stdout and stderr; sandbox-stdio.ts makes each of the others
 * a pipe when the command uses it, and hands bwrap nothing else.
 */

/** bwrap reports the host pid of its sandbox's init and its PID namespace here, as JSON. */
export const INFO_FD = 3;
/** A checking-out step says `checked-out` here before its command runs (sandbox-plan.ts). */
export const CHECKOUT_REPORT_FD = 4;
/** bwrap reads the keyring's seccomp program here (keyring-filter.ts). */
export const SECCOMP_FD = 5;
/** bwrap waits on this before it starts the command; written once the build's network is up. */
export const NETWORK_BLOCK_FD = 6;
/** bwrap reads the build's /etc/resolv.conf here, for a network of its own (build-network.ts). */
export const RESOLV_CONF_FD = 7;
/** bwrap reads the sandbox's own /etc/passwd here (sandbox-identity.ts). */
export const PASSWD_FD = 8;
/** bwrap reads the sandbox's own /etc/group here (sandbox-identity.ts). */
export const GROUP_FD = 9;
