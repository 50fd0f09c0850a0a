#!/bin/sh
# raise-pool.sh FILE COMPONENT SIZE: sets `db_pool_size = SIZE` in the [COMPONENT] table of an
# application config (TOML). The demo's healing playbook runs it; SHAPE passes every value as
# one argument and never through a shell, and this script checks them before using them.
set -eu
if [ "$#" -ne 3 ]; then
    echo "usage: raise-pool.sh FILE COMPONENT SIZE" >&2
    exit 2
fi
file=$1
component=$2
size=$3
case "$component" in
    *[!a-z0-9-]* | "") echo "refusing component name: $component" >&2; exit 2 ;;
esac
case "$size" in
    *[!0-9]* | "") echo "refusing size: $size" >&2; exit 2 ;;
esac
awk -v table="[$component]" -v size="$size" '
    /^\[/ { inside = ($0 == table) }
    inside && /^db_pool_size[ \t]*=/ { print "db_pool_size = " size; next }
    { print }
' "$file" > "$file.tmp"
mv "$file.tmp" "$file"
echo "set $component.db_pool_size = $size in $file"
