import os

from django.core.wsgi import get_wsgi_application

from config.env import SettingError, exit_on_setting_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
try:
    application = get_wsgi_application()
except SettingError as error:
    # 3 is gunicorn's "worker failed to boot": it stops instead of starting the worker again and again.
    exit_on_setting_error(error, status=3)
