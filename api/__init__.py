"""adrisk interfaces: the FastAPI app (`api.app.create_app`) and the `adrisk` command (`api.cli`)."""
