"""The WSGI entry point (gunicorn app:app, flask --app app)."""
from skillpass import create_app
from skillpass.gc_tuning import tune

app = create_app()
tune()  # once the application is loaded: see skillpass/gc_tuning.py
