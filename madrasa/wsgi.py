import os
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madrasa.settings")
application: Any = get_wsgi_application()

# Results day: the public lookup is answered without Django's middleware stack (same answers,
# tested; madrasa/results/fastpath.py). MADRASA_RESULTS_FASTPATH=false turns it off.
if os.environ.get("MADRASA_RESULTS_FASTPATH", "true").strip().lower() not in {"0", "false", "no"}:
    from madrasa.results.fastpath import ResultsFastPath

    application = ResultsFastPath(application)
