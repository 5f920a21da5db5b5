#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised (official postgres image).
# ctr_owner owns the schema and runs migrations; ctr_runtime is the service's login, a member of ctr_app,
# which the migrations grant only what the service needs (INSERT and SELECT on audit events).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$CTR_OWNER_PASSWORD" -v runtime_password="$CTR_RUNTIME_PASSWORD" <<'SQL'
CREATE ROLE ctr_owner LOGIN CREATEROLE PASSWORD :'owner_password';
CREATE ROLE ctr_app NOLOGIN;
CREATE ROLE ctr_runtime LOGIN PASSWORD :'runtime_password' IN ROLE ctr_app;
CREATE DATABASE ctr OWNER ctr_owner;
SQL
