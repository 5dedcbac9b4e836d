"""The warehouse's Alembic environment (``env.py``, ``versions/``), shipped inside the package."""
