"""Running a command, from a test that runs as root, as the graders of other machines run.

- ``"unprivileged"``: an ordinary user (uid 65534, no capability, no group, in
  the machine's own user namespace), as an instructor on a shared server;
- ``"container"``: root without CAP_SYS_ADMIN, as in a Docker container with
  its default profile (Gradescope's), where no namespace can be made;
- ``"no-userns"``: an ordinary user on a machine that switched user namespaces
  off (``user.max_user_namespaces = 0``, set in a user namespace of its own,
  so that the machine's setting is untouched).

Only the view of the file system is adjusted, in a private mount namespace:
where a folder on the way to the Python installation cannot be traversed by
others (``/root`` is 0700 where pyenv installed Python), the folder is covered
by an empty tmpfs and the one entry on the way is bound back, so that the
interpreter can be read by others, as it can in a container image or from
``/usr``. Nothing else of the folder is visible, and nothing changes outside
that namespace.
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
from collections.abc import Sequence
from pathlib import Path

UID = GID = 65534


def _blocked(targets: Sequence[str]) -> dict[str, set[str]]:
    """Folders others cannot traverse on the way to ``targets``: folder -> the entries needed in it."""
    blocked: dict[str, set[str]] = {}
    for target in targets:
        parts = Path(os.path.realpath(target)).parts
        for depth in range(1, len(parts) - 1):
            folder = str(Path(*parts[:depth]))
            if not os.stat(folder).st_mode & stat.S_IXOTH:
                blocked.setdefault(folder, set()).add(parts[depth])
    return blocked


def available() -> str | None:
    """Why a test cannot run a command as an ordinary user here (None when it can)."""
    if os.geteuid() != 0:
        return "the tests run as an ordinary user already: the unprivileged runs need root to set up"
    if not os.path.isdir("/mnt"):
        return "there is no /mnt to hold binds in"
    for tool in ("unshare", "setpriv", "mount"):
        if not any(os.access(Path(d) / tool, os.X_OK) for d in os.environ.get("PATH", "").split(":")):
            return f"{tool} is not installed"
    return None


IDENTITIES = {
    "unprivileged": f"--reuid={UID} --regid={GID} --clear-groups --inh-caps=-all --bounding-set=-all",
    "container": "--inh-caps=-sys_admin --bounding-set=-sys_admin",
}
# no-userns: real root makes a user namespace mapping root and uid 65534 to themselves, where the
# ucount limit user.max_user_namespaces is set to 0 (its own and its descendants'), then becomes 65534
# with no capability and runs the command.
NO_USERNS = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
ready, go = os.pipe(), os.pipe()
child = os.fork()
if child == 0:
    if libc.unshare(0x10000000) != 0:
        sys.exit("unshare failed")
    os.write(ready[1], b"1")
    os.read(go[0], 1)
    with open("/proc/sys/user/max_user_namespaces", "w") as handle:
        handle.write("0")
    os.setgroups([])
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)
    environment = dict(arg.split("=", 1) for arg in sys.argv[1:sys.argv.index("--")])
    command = sys.argv[sys.argv.index("--") + 1:]
    os.execve(command[0], command, environment)
os.read(ready[0], 1)
for name, text in (("uid_map", "0 0 1\\n65534 65534 1\\n"), ("gid_map", "0 0 1\\n65534 65534 1\\n")):
    with open(f"/proc/{child}/{name}", "w") as handle:
        handle.write(text)
os.write(go[1], b"1")
_, status = os.waitpid(child, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def command(argv: Sequence[str], env: dict[str, str], identity: str = "unprivileged") -> list[str]:
    """``argv`` as ``identity`` (see the module docstring), where others can read the interpreter."""
    targets = [sys.executable, sys.prefix, sys.base_prefix]
    # /mnt, covered in this namespace only, holds the binds of the covered folders
    lines = ["set -e", "hold=/mnt", "mount -t tmpfs -o mode=0700 autograder-test-hold /mnt"]
    for number, (folder, entries) in enumerate(sorted(_blocked(targets).items())):
        held = f'"$hold/{number}"'
        lines += [f"mkdir {held}", f"mount --bind {shlex.quote(folder)} {held}"]
        lines.append(f"mount -t tmpfs -o mode=0755 autograder-test {shlex.quote(folder)}")
        for entry in sorted(entries):
            inner = shlex.quote(f"{folder}/{entry}")
            lines += [f"mkdir -p {inner}", f"mount --bind {held}/{shlex.quote(entry)} {inner}"]
    assignments = [f"{key}={value}" for key, value in env.items()]
    if identity == "no-userns":
        launcher = f"{shlex.quote(sys.executable)} -c {shlex.quote(NO_USERNS)}"
        lines.append(f"exec {launcher} {shlex.join(assignments)} -- {shlex.join(argv)}")
    else:
        lines.append(f"exec setpriv {IDENTITIES[identity]} env -i {shlex.join(assignments)} {shlex.join(argv)}")
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(lines)]
