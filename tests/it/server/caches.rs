//! The plan and result caches over the wire: repeats are answered from them, new data and
//! other settings are never answered from them, and `shape_cache_stats` counts it all. Also
//! what clients see of a result's columns: PostgreSQL's names and int8 lineage.

use super::sessions::simple_rows;
use super::{connect, start};
use crate::common::{ingested_sample, run_shape, text};

/// The `shape_cache_stats` row of `cache`: (entries, hits, misses, invalidations).
async fn stats(client: &tokio_postgres::Client, cache: &str) -> (i64, i64, i64, i64) {
    let row = client
        .query_one(
            "SELECT entries, hits, misses, invalidations FROM shape_cache_stats WHERE cache = $1",
            &[&cache],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2), row.get(3))
}

async fn count_events(client: &tokio_postgres::Client) -> String {
    simple_rows(client, "SELECT count(*) AS n FROM events").await[0][0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn repeats_come_from_the_caches_until_an_ingest_commits() {
    let (dir, data, config) = ingested_sample("renderx-web-1.jsonl");
    let (_server, port) = start(&data, config);
    let client = connect(port).await.unwrap();

    let first = count_events(&client).await;
    let (_, hits_before, misses_before, _) = stats(&client, "result").await;
    let again = count_events(&client).await;
    assert_eq!(first, again);
    let (entries, hits, misses, _) = stats(&client, "result").await;
    assert_eq!(hits, hits_before + 1, "the repeat is a result cache hit");
    assert_eq!(misses, misses_before);
    assert!(entries >= 1);
    let (_, plan_hits, _, _) = stats(&client, "plan").await;
    assert!(plan_hits >= 1, "the repeat found its plan too");

    // Extended protocol: the same answer, the second time from the cache.
    let extended: Vec<i64> = {
        let mut counts = Vec::new();
        for _ in 0..2 {
            let row = client
                .query_one("SELECT count(*) AS n FROM events", &[])
                .await
                .unwrap();
            counts.push(row.get(0));
        }
        counts
    };
    assert_eq!(extended[0].to_string(), first);
    assert_eq!(extended[0], extended[1]);

    // An ingest commits while the server runs: the next repeat sees the new rows.
    let sample = format!(
        "{}/data/sample/renderx-web-2.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = run_shape(
        dir.path(),
        &["--config", config, "--data-dir", &data, "ingest", &sample],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (_, _, _, invalidated_before) = stats(&client, "result").await;
    let after = count_events(&client).await;
    assert!(
        after.parse::<i64>().unwrap() > first.parse::<i64>().unwrap(),
        "{after} rows after the ingest, {first} before"
    );
    let row = client
        .query_one("SELECT count(*) AS n FROM events", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0).to_string(), after);
    let (_, _, _, invalidated) = stats(&client, "result").await;
    assert!(
        invalidated > invalidated_before,
        "results of the old data version were dropped"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_at_different_as_of_never_share_a_result() {
    let (_dir, data, config) = ingested_sample("renderx-web-1.jsonl");
    let (_server, port) = start(&data, config);
    let sql = "SELECT count(*) AS n FROM events WHERE ts < shape_as_of()";
    let mut answers = Vec::new();
    for as_of in [
        "2025-11-16 09:00",
        "2025-11-16 15:00",
        "2025-11-16 09:00",
        "2025-11-16 15:00",
    ] {
        let client = connect(port).await.unwrap();
        client
            .simple_query(&format!("SET shape.as_of = '{as_of}'"))
            .await
            .unwrap();
        answers.push(simple_rows(&client, sql).await[0][0].clone());
        // Changing the setting inside a session moves it off its cached result too.
        client.simple_query("RESET shape.as_of").await.unwrap();
        let now = simple_rows(&client, sql).await[0][0].clone();
        let all = simple_rows(&client, "SELECT count(*) FROM events").await[0][0].clone();
        assert_eq!(now, all, "at now every event is before as_of");
    }
    assert_ne!(answers[0], answers[1], "{answers:?}");
    assert_eq!(answers[0], answers[2]);
    assert_eq!(answers[1], answers[3]);
}

/// Grafana refreshing the dashboard for 20 viewers: one evaluation per panel, the other
/// 19 viewers answered from the result cache with the same rows.
#[tokio::test(flavor = "multi_thread")]
async fn twenty_viewers_cost_one_evaluation_per_panel() {
    let (_dir, data, config) = ingested_sample("*.jsonl*");
    let (_server, port) = start(&data, config);
    let panels: Vec<String> = crate::dashboard::panel_queries()
        .into_iter()
        .map(|panel| panel.sql)
        .collect();
    let refresh = |client: tokio_postgres::Client| {
        let panels = panels.clone();
        async move {
            client
                .simple_query("SET shape.as_of = '2025-11-16T14:00:00Z'")
                .await
                .unwrap();
            let mut results = Vec::new();
            for sql in &panels {
                results.push(simple_rows(&client, sql).await);
            }
            (client, results)
        }
    };
    let (client, first) = refresh(connect(port).await.unwrap()).await;
    let (_, hits_before, evaluated, _) = stats(&client, "result").await;
    assert!(
        evaluated as usize >= panels.len() - 3,
        "most panels read data and are kept: {evaluated} of {}",
        panels.len()
    );

    let mut viewers = Vec::new();
    for _ in 0..19 {
        let client = connect(port).await.unwrap();
        viewers.push(tokio::spawn(refresh(client)));
    }
    for viewer in viewers {
        let (_, results) = viewer.await.unwrap();
        assert_eq!(results, first, "a cached answer is the evaluated answer");
    }
    let (_, hits, misses, _) = stats(&client, "result").await;
    assert_eq!(misses, evaluated, "no panel was evaluated twice");
    assert_eq!(hits - hits_before, 19 * evaluated);
}

#[tokio::test(flavor = "multi_thread")]
async fn columns_are_named_and_typed_as_postgresql_would() {
    let (_dir, data, config) = ingested_sample("renderx-web-1.jsonl");
    let (_server, port) = start(&data, config);
    let client = connect(port).await.unwrap();
    let sql = "SELECT round(avg(duration_ms), 1), count(*), max(_line), min(_offset), \
               component, upper(component) AS shout FROM events GROUP BY component";
    // Extended protocol: the names and types Describe announces.
    let statement = client.prepare(sql).await.unwrap();
    let described: Vec<(&str, String)> = statement
        .columns()
        .iter()
        .map(|c| (c.name(), c.type_().name().to_string()))
        .collect();
    assert_eq!(
        described,
        [
            ("round", "float8".to_string()),
            ("count", "int8".to_string()),
            ("max", "int8".to_string()),
            ("min", "int8".to_string()),
            ("component", "text".to_string()),
            ("shout", "text".to_string()),
        ]
    );
    let row = &client.query(&statement, &[]).await.unwrap()[0];
    let line: i64 = row.get("max");
    assert!(line > 0);
    // Simple protocol: the same names in RowDescription.
    let messages = client.simple_query(sql).await.unwrap();
    let names: Vec<String> = messages
        .iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::RowDescription(columns) => {
                Some(columns.iter().map(|c| c.name().to_string()).collect())
            }
            _ => None,
        })
        .expect("a row description");
    assert_eq!(
        names,
        ["round", "count", "max", "min", "component", "shout"]
    );
}
