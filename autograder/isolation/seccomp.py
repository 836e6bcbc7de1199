"""A seccomp filter for student code, built with libseccomp (defence in depth).

The filter denies the system calls that could undo or look through the
sandbox if anything else failed: mounting, entering or making namespaces,
tracing or reading other processes, loading kernel code, keyrings, BPF, new
file-system APIs, io_uring, and a parent-death signal cleared (it is how a
worker dies with the grader). It also keeps a worker to one process (threads
only, no program started), so that its memory limit bounds all of it, and
denies what reaches other processes of the same user (priorities, file locks
and watches on the files every worker shares). Every other call is allowed:
the sandbox's boundary is the namespaces, the identity and the file system;
this is the second wall.

libseccomp compiles the rules for this machine's architecture and kills a
process that calls through another one (x32, 32-bit).
"""

from __future__ import annotations

import errno
import socket

from autograder.isolation import linux
from autograder.isolation.syscalls import ArgCmp, SeccompUnavailable, library, syscall_number

# <seccomp.h>
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_FLTATR_CTL_OPTIMIZE = 8
SCMP_CMP_NE = 1
SCMP_CMP_EQ = 4
SCMP_CMP_MASKED_EQ = 7

PR_SET_PDEATHSIG = 1
CLONE_THREAD = 0x00010000
FCNTL_LOCKS = (5, 6, 7, 36, 37, 38)  # F_GETLK, F_SETLK, F_SETLKW and their open-file-description forms
TIOCSTI = 0x5412  # push characters into a terminal's input
TIOCLINUX = 0x541C

DENIED = (
    # the file-system view and the namespaces
    "mount",
    "umount",
    "umount2",
    "pivot_root",
    "chroot",
    "setns",
    "unshare",
    "mount_setattr",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "open_by_handle_at",
    "name_to_handle_at",
    # other processes' memory and descriptors
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    # the kernel itself
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "keyctl",
    "add_key",
    "request_key",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "reboot",
    "swapon",
    "swapoff",
    "syslog",
    "acct",
    "quotactl",
    "quotactl_fd",
    "iopl",
    "ioperm",
    "lookup_dcookie",
    "uselib",
    "nfsservctl",
    "vhangup",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "sethostname",
    "setdomainname",
    # new processes and programs: a worker is one process (its threads share one address space, so
    # RLIMIT_AS bounds its memory), and memory a file descriptor holds outside that space is refused
    "fork",
    "vfork",
    "execve",
    "execveat",
    "memfd_create",
    "memfd_secret",
    # what reaches past its own processes to others of the same user: priorities, locks and watches
    # on the read-only files every worker shares (a channel between two students graded side by side)
    "setpriority",
    "sched_setscheduler",
    "sched_setparam",
    "sched_setattr",
    "ioprio_set",
    "flock",
    "inotify_init",
    "inotify_init1",
    "fanotify_init",
    # System V and POSIX message queues, semaphores and shared memory, which a namespace may not cover
    "shmget",
    "shmat",
    "shmctl",
    "semget",
    "semop",
    "semtimedop",
    "semctl",
    "msgget",
    "msgsnd",
    "msgrcv",
    "msgctl",
    "mq_open",
    "mq_unlink",
    "mq_timedsend",
    "mq_timedreceive",
    "mq_notify",
    "mq_getsetattr",
)


def _errno(value: int) -> int:
    return 0x00050000 | (value & 0xFFFF)  # SCMP_ACT_ERRNO(value)


def _rules(sockets: bool) -> list[tuple[int, str, tuple[tuple[int, int, int, int], ...]]]:
    """(action, syscall, comparisons) for every rule; a call matching any rule gets its action."""
    eperm = _errno(errno.EPERM)
    rules = [(eperm, name, ()) for name in DENIED]
    if sockets:  # Unix sockets only: no network, even where the machine gave no network namespace
        rules.append((_errno(errno.EAFNOSUPPORT), "socket", ((0, SCMP_CMP_NE, socket.AF_UNIX, 0),)))
    else:  # socket pairs only: a Unix socket of the host's could be reached
        rules.append((_errno(errno.EACCES), "socket", ()))
    rules += [(eperm, "clone", ((0, SCMP_CMP_MASKED_EQ, flag, flag),)) for flag in linux.NAMESPACE_FLAGS]
    # a clone that is not a thread is a new process
    rules.append((eperm, "clone", ((0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0),)))
    rules += [(eperm, "fcntl", ((1, SCMP_CMP_EQ, command, 0),)) for command in FCNTL_LOCKS]
    rules += [
        # glibc falls back to clone() when clone3() is missing; clone3's flags are in memory a filter cannot read
        (_errno(errno.ENOSYS), "clone3", ()),
        (eperm, "prctl", ((0, SCMP_CMP_EQ, PR_SET_PDEATHSIG, 0),)),
        (eperm, "ioctl", ((1, SCMP_CMP_EQ, TIOCSTI, 0),)),
        (eperm, "ioctl", ((1, SCMP_CMP_EQ, TIOCLINUX, 0),)),
    ]
    return rules


def install(sockets: bool) -> int:
    """Load the filter into this process (and every process it starts); returns how many rules it has.

    ``sockets``: whether Unix sockets may be made (in a network namespace of its own they reach nothing
    outside; without one, only socket pairs are allowed). Sets no_new_privs first, as the kernel requires
    of a process without CAP_SYS_ADMIN.
    """
    lib = library()
    context = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not context:
        raise SeccompUnavailable("seccomp_init failed")
    try:
        # A binary tree of system call numbers rather than a list (libseccomp 2.5 and later): every call
        # of a worker runs the filter, and TensorFlow makes millions.
        lib.seccomp_attr_set(context, SCMP_FLTATR_CTL_OPTIMIZE, 2)
        count = 0
        for action, name, comparisons in _rules(sockets):
            number = syscall_number(name)
            if number < 0:  # not a system call of this architecture
                continue
            array = (ArgCmp * max(1, len(comparisons)))(*(ArgCmp(*c) for c in comparisons))
            result = lib.seccomp_rule_add_array(context, action, number, len(comparisons), array)
            if result < 0:
                raise SeccompUnavailable(f"seccomp_rule_add({name}) failed: {errno.errorcode.get(-result, result)}")
            count += 1
        linux.set_no_new_privs()
        result = lib.seccomp_load(context)
        if result < 0:
            raise SeccompUnavailable(f"the kernel refused the seccomp filter: {errno.errorcode.get(-result, result)}")
        return count
    finally:
        lib.seccomp_release(context)
