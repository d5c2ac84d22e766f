"""Storage: SQLAlchemy 2.0 models, engines and sessions, and the Alembic migrations that alone
make the schema."""
