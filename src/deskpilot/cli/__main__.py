from deskpilot.cli import app

app()
