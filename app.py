from skillpass import create_app

app = create_app()
