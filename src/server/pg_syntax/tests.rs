use super::*;

fn rewritten(sql: &str) -> String {
    let statement = SqlParser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .unwrap()
        .parse_statement()
        .unwrap();
    rewrite(&statement).map_or("unchanged".into(), |s| s.to_string())
}

#[test]
fn catalog_syntax_is_rewritten() {
    assert_eq!(
        rewritten("SELECT array(SELECT relname FROM pg_class) AS names"),
        "SELECT (SELECT array_agg(shape_array.element) FROM (SELECT relname FROM pg_class) AS shape_array (element)) AS names"
    );
    assert_eq!(
        rewritten("SELECT unnest(indkey), generate_subscripts(indkey, 1) FROM pg_index"),
        "SELECT unnest(indkey), unnest(range(1, CAST(coalesce(array_length(indkey, 1), 0) AS BIGINT) + 1)) FROM pg_index"
    );
    assert_eq!(
        rewritten("SELECT 1 WHERE n NOT LIKE 'pg/_' || '%' ESCAPE '/'"),
        "SELECT 1 WHERE n NOT LIKE shape_like_pattern('pg/_' || '%', '/')"
    );
    assert_eq!(
        rewritten("SELECT 1 WHERE n LIKE 'a\\_%' ESCAPE '\\'"),
        "unchanged"
    );
    assert_eq!(rewritten("SELECT array[1, 2]"), "unchanged");
    assert_eq!(
        rewritten("SELECT CASE WHEN a.x THEN (SELECT d.v FROM d WHERE d.k = a.k) END FROM a"),
        "SELECT CASE WHEN a.x THEN (SELECT shape_scalar_subquery(d.v) FROM d WHERE d.k = a.k) END FROM a"
    );
    assert_eq!(
        rewritten("SELECT (SELECT d.v FROM d WHERE a.x AND d.k = a.k AND d.z > 1) FROM a"),
        "SELECT CASE WHEN (a.x) THEN (SELECT shape_scalar_subquery(d.v) FROM d WHERE d.k = a.k AND d.z > 1) END FROM a"
    );
    assert_eq!(
        rewritten("SELECT (SELECT count(*) FROM d WHERE d.k = a.k) FROM a"),
        "unchanged"
    );
    assert_eq!(
        rewritten(
            "SELECT array(SELECT 'toast.' || x FROM unnest(tc.reloptions) x) FROM pg_class tc"
        ),
        "SELECT CAST(NULL AS TEXT[]) FROM pg_class tc"
    );
    // psql's `\dy`: the unnest of the outer row's column, unqualified.
    assert_eq!(
        rewritten(
            "SELECT array_to_string(array(SELECT x FROM pg_catalog.unnest(evttags) AS t(x)), ', ') FROM e"
        ),
        "SELECT array_to_string(CAST(NULL AS TEXT[]), ', ') FROM e"
    );
    assert_eq!(
        rewritten("SELECT array(SELECT x FROM unnest(ARRAY[1, 2]) AS t(x))"),
        "SELECT (SELECT array_agg(shape_array.element) FROM (SELECT x FROM UNNEST(ARRAY[1, 2]) AS t (x)) AS shape_array (element))"
    );
}

/// ADBC's type resolver: selected `regproc` columns and their text casts print names, the
/// comparisons with 0 keep the oids.
#[test]
fn regproc_columns_read_as_names() {
    assert_eq!(
        rewritten(
            "SELECT oid, typname, typreceive, typbasetype FROM pg_catalog.pg_type \
             WHERE (typreceive != 0 OR typsend != 0) AND typreceive::TEXT != 'array_recv'"
        ),
        "SELECT oid, typname, shape_regproc_name(typreceive) AS typreceive, typbasetype FROM pg_catalog.pg_type \
         WHERE (typreceive <> 0 OR typsend <> 0) AND shape_regproc_name(typreceive) <> 'array_recv'"
    );
    assert_eq!(
        rewritten("SELECT t.typname FROM pg_type t WHERE t.typinput = 'array_in'::regproc"),
        "unchanged"
    );
    assert_eq!(
        rewritten("SELECT t.typinput::regproc::text FROM pg_type t"),
        "SELECT shape_regproc_name(t.typinput) FROM pg_type t"
    );
}

#[test]
fn like_patterns_move_to_backslash_escapes() {
    assert_eq!(like_pattern_with_backslash("pg/_%", '/'), "pg\\_%");
    assert_eq!(like_pattern_with_backslash("a//b", '/'), "a\\/b");
    assert_eq!(like_pattern_with_backslash("a\\b", '/'), "a\\\\b");
}
