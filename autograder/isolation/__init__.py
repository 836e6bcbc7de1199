"""Running student code where it can reach nothing but its own scratch space.

The layers, from the grader down:

- ``pool``: the grader's side: the warm process, one worker from spawn to results, pidfds;
- ``measure``: what the grader reads of a worker in ``/proc`` before handing it a job;
- ``protocol`` and ``codec``: the job, the frames and the plain-data bytes that cross, all bounded;
- ``zygote``: the warm process (imports once, forks a leader per worker, takes orders only from the grader);
- ``worker``: what runs inside the sandbox (the student's answers and the probes);
- ``backend``: the sandbox interface and registry; ``namespaces`` (Linux namespaces, the default)
  and ``unisolated`` (``--unsafe-no-isolation``) implement it;
- ``rootfs``, ``seccomp``, ``linux``, ``syscalls``: the worker's file system, its seccomp filter, and the
  Linux calls they make;
- ``limits``: what one worker may use.
"""
