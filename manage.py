#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    # Logs to stderr: what a command writes to stdout (an export, a token) may be piped (config/settings/base.py).
    os.environ.setdefault("LOG_STREAM", "stderr")
    from django.core.management import execute_from_command_line

    from config.env import SettingError, exit_on_setting_error

    try:
        execute_from_command_line(sys.argv)
    except SettingError as error:
        exit_on_setting_error(error)


if __name__ == "__main__":
    main()
