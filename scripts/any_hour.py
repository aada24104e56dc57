"""Run the suite with every clock moved to another hour: `make test-any-hour`.

    scripts/any_hour.py [MOMENT ...]     MOMENT: HH:MM (UK time, today) or "clocks-forward"

Moving only pytest's clock is not enough: the delivery engine rightly takes the database's clock.
So each moment gets a throwaway PostgreSQL cluster (port 5439, trust auth, fsync off) started
under libfaketime with the same *relative* offset as the suite (`faketime -f +Ns`): every child
process (Celery workers, gunicorn, Chromium) shares one moved clock. Redis keeps real time; the
app gives it only relative expiries. Prints one line per moment and exits 1 if any failed.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
DEFAULT_MOMENTS = ["00:30", "07:59", "12:00", "21:00", "clocks-forward"]
PORT = int(os.environ.get("ANY_HOUR_PORT", "5439"))
VERSION = sorted(p.name for p in Path("/etc/postgresql").glob("*"))[-1:] or ["15"]
VERSION = VERSION[0]
CLUSTER = "anyhour"
BIN = Path(f"/usr/lib/postgresql/{VERSION}/bin")
DATA = Path(f"/var/lib/postgresql/{VERSION}/{CLUSTER}")
CONF = Path(f"/etc/postgresql/{VERSION}/{CLUSTER}")
ROOT = Path(__file__).resolve().parent.parent


def clocks_forward_sunday(after: date) -> date:
    """The next last Sunday of March: the day UK clocks go forward (01:00 GMT to 02:00 BST)."""
    year = after.year if after < date(after.year, 3, 25) else after.year + 1
    last = date(year, 3, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def target(moment: str, now: datetime) -> datetime:
    """The next UK wall-clock moment a name stands for. "clocks-forward" is 00:30 UK on the Sunday
    the clocks go forward: "today" there has 23 hours and "tomorrow 18:00" is 16.5 hours away."""
    today = now.astimezone(UK).date()
    if moment == "clocks-forward":
        return datetime.combine(clocks_forward_sunday(today), datetime.min.time(), UK).replace(
            minute=30
        )
    hour, minute = (int(part) for part in moment.split(":"))
    at = datetime(today.year, today.month, today.day, hour, minute, tzinfo=UK)
    # Always ahead: with libfaketime, clocks moved back make Celery's timed waits misbehave.
    return at if at > now else at + timedelta(days=1)


def fail(message: str) -> None:
    print(f"!! make test-any-hour: {message}", file=sys.stderr)
    sys.exit(1)


def as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command]


def ensure_cluster() -> None:
    """A cluster of our own on PORT: never the machine's main one, whose clock stays true."""
    if os.geteuid() != 0:
        fail("it starts its own PostgreSQL cluster as the postgres user, so run it as root.")
    if not shutil.which("faketime"):
        print("==> Installing faketime (libfaketime) from Debian's packages")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "faketime"], check=True)
    if not (DATA / "PG_VERSION").exists():
        print(f"==> Creating the throwaway PostgreSQL cluster {VERSION}/{CLUSTER} on port {PORT}")
        subprocess.run(
            ["pg_createcluster", VERSION, CLUSTER, "-p", str(PORT), "--start-conf", "manual"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    (CONF / "pg_hba.conf").write_text(
        "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n"
    )
    (CONF / "conf.d").mkdir(exist_ok=True)
    (CONF / "conf.d" / "any-hour.conf").write_text(
        # Throwaway data: speed over durability.
        f"port = {PORT}\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        "max_connections = 200\n"
    )


def stop_server() -> None:
    """A fast shutdown of the postmaster (runuser does not pass signals on)."""
    pid_file = DATA / "postmaster.pid"
    if pid_file.exists():
        pid = int(pid_file.read_text().split()[0])
        try:
            os.kill(pid, signal.SIGINT)
        except ProcessLookupError:
            pid_file.unlink()
            return
        wait_until(lambda: not pid_file.exists(), 30, "the throwaway PostgreSQL to stop")


def wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            fail(f"gave up waiting for {what}")
        time.sleep(0.2)


def faketime_env(offset: int) -> dict:
    return {
        **os.environ,
        "LD_PRELOAD": preload(),
        "FAKETIME": f"{offset:+d}s",
        # (DONT_FAKE_MONOTONIC=1 would make Python's time.sleep fail with EINVAL here.)
    }


def preload() -> str:
    """libfaketime, behind our shim that keeps timed waits working (scripts/faketime_waits.c)."""
    found = sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))
    if not found:
        fail("libfaketime.so.1 not found (apt-get install faketime)")
    shim = ROOT / "test-artifacts" / "faketime_waits.so"
    source = ROOT / "scripts" / "faketime_waits.c"
    if not shim.exists() or shim.stat().st_mtime < source.stat().st_mtime:
        shim.parent.mkdir(exist_ok=True)
        command = ["gcc", "-shared", "-fPIC", "-O2", "-o", str(shim), str(source), "-ldl"]
        subprocess.run(command, check=True)
        shim.chmod(0o755)
    return f"{shim} {found[0]}"


def start_server(offset: int) -> subprocess.Popen:
    """postgres itself (not pg_ctl, which never returns under libfaketime), in the background."""
    stop_server()
    env = faketime_env(offset)
    server = subprocess.Popen(
        as_postgres(
            str(BIN / "postgres"),
            "-D",
            str(DATA),
            "-c",
            f"config_file={CONF / 'postgresql.conf'}",
        ),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(f"/tmp/any-hour-postgres-{PORT}.log", "a"),  # noqa: SIM115
        start_new_session=True,
    )

    def ready() -> bool:
        probe = subprocess.run(
            [str(BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(PORT)], check=False
        )
        if server.poll() is not None:
            fail(f"the throwaway PostgreSQL stopped; see /tmp/any-hour-postgres-{PORT}.log")
        return probe.returncode == 0

    wait_until(ready, 60, "the throwaway PostgreSQL to start")
    return server


def run_suite(moment: str, pytest_args: list[str]) -> tuple[bool, str]:
    """The suite with every clock at `moment`; whether it passed, and its line for the table."""
    now = datetime.now(UK)
    when = target(moment, now)
    offset = round((when - now).total_seconds())
    shown = when.strftime("%a %d %b %Y %H:%M %Z")
    log = ROOT / "test-artifacts" / f"any-hour-{moment.replace(':', '')}.log"
    log.parent.mkdir(exist_ok=True)
    env = faketime_env(offset) | {
        "DATABASE_URL": f"postgres://together_app@127.0.0.1:{PORT}/together",
        "DATABASE_OWNER_URL": "",
        "POSTGRES_SUPERUSER_URL": f"postgres://postgres@127.0.0.1:{PORT}/postgres",
    }
    server = start_server(offset)
    started = time.monotonic()
    try:
        setup = [sys.executable, "scripts/services.py"]
        subprocess.run(setup, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        print(f"==> The suite at {shown} (clocks moved by {offset:+d} s)", flush=True)
        pytest = [str(ROOT / ".venv/bin/pytest"), "-p", "no:cacheprovider", *pytest_args]
        with log.open("w") as out:
            passed = (
                subprocess.run(pytest, env=env, cwd=ROOT, stdout=out, stderr=out).returncode == 0
            )
    finally:
        stop_server()
        server.wait(timeout=60)
    lines = log.read_text().splitlines()
    if not passed:
        print("\n".join(line for line in lines if line.startswith(("FAILED", "ERROR"))))
    summary = lines[-1].strip("= ") if lines else "no output"
    seconds = time.monotonic() - started
    return passed, f"{shown}: {summary}, {seconds:.0f} s (log: {log.relative_to(ROOT)})"


def main() -> None:
    args = sys.argv[1:]
    split = args.index("--") if "--" in args else len(args)
    moments, pytest_args = args[:split] or DEFAULT_MOMENTS, args[split + 1 :]
    ensure_cluster()
    results = [run_suite(moment, pytest_args) for moment in moments]
    print("\n==> The suite at every hour:")
    for passed, line in results:
        print(f"   {'ok  ' if passed else 'FAIL'} {line}")
    sys.exit(0 if all(passed for passed, _ in results) else 1)


if __name__ == "__main__":
    main()
