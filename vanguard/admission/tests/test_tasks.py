import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_a_celery_worker_finds_the_audit_job():
    """Production runs the audit on a Celery worker, which knows only the tasks its
    autodiscovery imports (the `tasks` modules of the installed apps) — never the URLs
    or views. Checked in a fresh process, as a worker starts."""
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup();"
        "from config.celery import app; app.loader.import_default_modules();"
        "print('admission.run_audit' in app.tasks)"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
