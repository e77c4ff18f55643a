"""`python -m config.preflight [--wait SECONDS]`: the settings load, or one line names the bad one (exit 2).

scripts/entrypoint.sh runs it before every process. With --wait it also waits until PostgreSQL and Redis answer
(exit 1 with a line naming the one that did not), so that `migrate` and the processes after it do not race a
database that is still starting."""

from __future__ import annotations

import argparse
import os
import sys
import time

from config.env import SettingError, exit_on_setting_error


def _database_error() -> str | None:
    from django.db import connection

    try:
        connection.ensure_connection()
    except Exception as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    finally:
        connection.close()
    return None


def _redis_error() -> str | None:
    import redis
    from django.conf import settings

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as error:
        return str(error) or type(error).__name__
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m config.preflight")
    parser.add_argument("--wait", type=float, default=0, metavar="SECONDS")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    try:
        django.setup()
    except SettingError as error:
        exit_on_setting_error(error)
    if not args.wait:
        return 0
    deadline = time.monotonic() + args.wait
    for name, problem in (("PostgreSQL (DATABASE_URL)", _database_error), ("Redis (REDIS_URL)", _redis_error)):
        while (reason := problem()) is not None:
            if time.monotonic() > deadline:
                print(f"inventaris: {name} antwoordt niet na {args.wait:g} s: {reason}", file=sys.stderr)
                return 1
            time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
