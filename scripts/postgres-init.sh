#!/bin/sh
# docker-compose: runs once, when the postgres container first creates its data directory.
# The owner role owns the database (migrations, key rotation); the app role only logs in, and
# `manage.py migrate` grants it the DML it needs (core/db_roles.py).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$TOGETHER_OWNER_PASSWORD" -v app_password="$TOGETHER_APP_PASSWORD" <<'SQL'
CREATE ROLE together_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE together_app LOGIN PASSWORD :'app_password';
CREATE DATABASE together OWNER together_owner;
SQL
