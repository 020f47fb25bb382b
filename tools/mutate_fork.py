"""A warm pytest for mutation runs: a server imports the third-party libraries once and forks
a fresh child per mutant, which imports the (mutated) project from source and runs pytest.

    python tools/mutate_fork.py serve SOCKET ROOT         # started by tools/mutate.py
    python tools/mutate_fork.py run SOCKET [--database URL]... [--select MAP] -- ARGS
                                                          # cosmic-ray's command
    python tools/mutate_fork.py modules ROOT OUT -- ARGS  # a cold run; lists what to preload

The server never imports a module that lives under ROOT (the mutated tree): the child does, from
the source as it is on disk for that mutant. The child's exit code is pytest's; if the client
goes away (cosmic-ray's timeout kills it), the child's process group is killed. Any failure of
this machinery prints INFRA_MARK, so tools/mutate.py counts it as an error, never as a kill.

With `--select MAP` (tools/mutate.py writes it from a coverage run with a context per test), a
mutant inside a function body first runs only the tests that executed that body, those that
executed the mutated line ahead of the rest; if they all pass, the rest of ARGS runs as well,
so selection only makes kills faster and never turns a kill into a survivor (code run in a
subprocess, say, is invisible to the coverage map).
"""

import contextlib
import json
import os
import signal
import socket
import sys

INFRA_MARK = "mutate-fork: infrastructure error"
INFRA_EXIT = 97


def run(sock_path: str, args: list[str], databases: list[str], select: str | None = None) -> int:
    """Ask the server to run pytest with `args` here, on this stdout/stderr: once per database
    (TEST_POSTGRES_URL; "" is SQLite) or once as the server's environment says; the first
    failing run's exit code. With a selection map, the tests that reach the mutant go first."""
    runs: list[str | None] = [*databases] or [None]
    chosen = selected_tests(select, os.getcwd()) if select else None
    # After the chosen tests pass, the rest of ARGS: the chosen ones deselected, not run twice.
    rest = [*args, *(word for test in chosen or () for word in ("--deselect", test))]
    for database in runs:
        env = None if database is None else {"TEST_POSTGRES_URL": database}
        if chosen:
            first = [*_options(args), *chosen]
            code = _run_once(sock_path, first, env)
            if code not in (0, 5):  # 5: pytest found none of them (a renamed parametrisation)
                return code
        code = _run_once(sock_path, rest, env)
        if code != 0 and not (chosen and code == 5):  # 5: the chosen were all there was
            return code
    return 0


def _options(args: list[str]) -> list[str]:
    """`args` without its test paths (everything from the first non-option on)."""
    options: list[str] = []
    rest = iter(args)
    for arg in rest:
        if not arg.startswith("-"):
            break
        options.append(arg)
        if arg in ("-p", "--tb") and "=" not in arg:
            options.append(next(rest, ""))
    return options


def selected_tests(map_path: str, root: str) -> list[str] | None:
    """The tests that ran the function body holding the mutated line, from the map, those that
    ran the line itself first; None when the mutant is outside every mapped body (module or
    class level, a signature: import time)."""
    with open(map_path, encoding="utf-8") as source:
        mapping = json.load(source)
    names = mapping["tests"]
    for path, mapped in mapping["files"].items():
        with open(os.path.join(root, path), encoding="utf-8") as now:
            current = now.read().splitlines()
        with open(os.path.join(mapping["pristine"], path), encoding="utf-8") as was:
            pristine = was.read().splitlines()
        if current == pristine:
            continue
        line = next(
            (n for n, (a, b) in enumerate(zip(current, pristine, strict=False), 1) if a != b),
            min(len(current), len(pristine)) + 1,
        )
        inside = [(b - a, tests) for a, b, tests in mapped["spans"] if a <= line <= b]
        if not inside:
            return None
        body = min(inside, key=lambda span: span[0])[1]
        here = mapped["lines"].get(str(line), [])  # none: a statement's continuation line
        first = set(here)
        return [names[i] for i in here] + [names[i] for i in body if i not in first]
    return None


def _run_once(sock_path: str, args: list[str], env: dict[str, str] | None) -> int:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(sock_path)
            request = json.dumps({"cwd": os.getcwd(), "args": args, "env": env}).encode()
            socket.send_fds(conn, [request], [1, 2])
            reply = conn.recv(64)
        return int(reply.decode())
    except (OSError, ValueError) as exc:
        print(f"{INFRA_MARK}: {exc!r}", flush=True)
        return INFRA_EXIT


def _child(conn: socket.socket, listener: socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked child: become the pytest run the client asked for, then exit."""
    code = INFRA_EXIT
    try:
        os.setpgid(0, 0)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        listener.close()
        conn.close()
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in fds:
            os.close(fd)
        os.environ.update(request["env"] or {})
        os.chdir(request["cwd"])
        sys.path.insert(0, request["cwd"])  # as `python -m pytest` run in that directory
        sys.argv = ["pytest", *request["args"]]
        import pytest

        code = int(pytest.main(request["args"]))
    except BaseException as exc:
        print(f"{INFRA_MARK}: {exc!r}", flush=True)
        code = INFRA_EXIT
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _preload(root: str, names: list[str]) -> None:
    """Import the third-party modules a run needs; refuse any that lives under `root`."""
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            continue
    inside = [
        name
        for name, module in list(sys.modules.items())
        if name not in ("__main__", "__mp_main__") and _under(root, module)
    ]
    if inside:
        raise SystemExit(f"{INFRA_MARK}: preloaded project modules {inside[:5]}")


def _under(root: str, module: object) -> bool:
    paths = [getattr(module, "__file__", None) or ""]
    paths += list(getattr(module, "__path__", None) or [])
    return any(p and os.path.realpath(p).startswith(root + os.sep) for p in paths)


def serve(sock_path: str, root: str) -> None:
    """Preload (the names on stdin, one a line), then fork one pytest child per request."""
    root = os.path.realpath(root)
    sys.path = [p for p in sys.path if not os.path.realpath(p or ".").startswith(root)]
    _preload(root, [line.strip() for line in sys.stdin if line.strip()])
    if os.path.exists(sock_path):
        os.unlink(sock_path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock_path)
    listener.listen(4)
    print("ready", flush=True)
    import select

    while True:
        conn, _ = listener.accept()
        with conn:
            message, fds, _, _ = socket.recv_fds(conn, 1 << 16, 2)
            request = json.loads(message.decode())
            pid = os.fork()
            if pid == 0:
                try:
                    _child(conn, listener, request, fds)
                finally:
                    os._exit(INFRA_EXIT)  # never back into the server's loop
            with contextlib.suppress(OSError):
                os.setpgid(pid, pid)  # as the child does: no window where a kill misses it
            for fd in fds:
                os.close(fd)
            pidfd = os.pidfd_open(pid)
            readable, _, _ = select.select([pidfd, conn.fileno()], [], [])
            if pidfd not in readable:  # the client went away (a timeout): stop the run
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            os.close(pidfd)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)  # anything the run left behind
            with contextlib.suppress(OSError):
                conn.sendall(str(os.waitstatus_to_exitcode(status)).encode())


def modules(root: str, out: str, args: list[str]) -> int:
    """Run pytest cold, here; write the modules it imported from outside `root`, in order."""
    import pytest

    sys.path.insert(0, os.getcwd())
    code = int(pytest.main(args))
    root = os.path.realpath(root)
    names = [
        name
        for name, module in list(sys.modules.items())
        if name not in ("__main__", "__mp_main__") and not _under(root, module)
    ]
    with open(out, "w", encoding="utf-8") as listing:
        listing.writelines(f"{name}\n" for name in names)
    return code


def main() -> int:
    """`serve SOCKET ROOT`, `run SOCKET -- ARGS...` or `modules ROOT OUT -- ARGS...`."""
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
        return 0
    if sys.argv[1] == "modules":
        rest = sys.argv[4:]
        return modules(sys.argv[2], sys.argv[3], rest[1:] if rest[:1] == ["--"] else rest)
    rest, databases, select = sys.argv[3:], [], None
    while rest[:1] in (["--database"], ["--select"]):
        if rest[0] == "--select":
            select = rest[1]
        else:
            databases.append(rest[1])
        rest = rest[2:]
    return run(sys.argv[2], rest[1:] if rest[:1] == ["--"] else rest, databases, select)


if __name__ == "__main__":
    sys.exit(main())
