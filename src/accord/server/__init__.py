"""The accord server: workspaces of cases, scenario versions, accounts and analysis jobs on a database.

``accord serve`` runs :func:`accord.server.app.create_app` under uvicorn. Nothing here is imported by
``import accord``: the server's dependencies (FastAPI, SQLAlchemy, ...) are the ``server`` extra.
"""
