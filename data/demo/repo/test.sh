#!/bin/sh
# The demo application's own tests (SHAPE runs them on every patch before pushing it): the
# database accepts at most 100 connections, so no component's pool may be larger.
set -eu
awk -F'=' '/^db_pool_size/ { gsub(/[ \t]/, "", $2); split($2, v, "#");
    if (v[1] + 0 > 100) { print "db_pool_size " v[1] " exceeds the database limit of 100"; bad = 1 } }
    END { exit bad }' app.toml
echo "app tests pass"
