def test_a_celery_worker_finds_the_audit_job():
    """Production runs the audit on a Celery worker, which only knows the tasks its
    autodiscovery imports (the `tasks` modules of the installed apps)."""
    from config.celery import app

    app.loader.import_default_modules()
    assert "admission.run_audit" in app.tasks
