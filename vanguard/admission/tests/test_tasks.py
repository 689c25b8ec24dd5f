import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_a_celery_worker_finds_the_audit_job():
    """Production runs the audit on a Celery worker: the task must be registered in a
    process started as a worker starts (autodiscovery of the apps' `tasks` modules and
    Celery's Django fixup), not only in a web process. Checked in a fresh process."""
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup();"
        "from config.celery import app; app.loader.import_default_modules();"
        "print('admission.run_audit' in app.tasks)"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
