//! `shape run` over buckets at scale: `s3://` prefixes of time-ordered keys listed from a
//! cursor (S3 `start-after`), and `sqs://` queues of S3 event notifications, against moto's
//! S3 and SQS on loopback. Bucket notifications are configured through boto3, so the messages
//! are the ones moto's S3 writes, not hand-made ones.

use std::path::Path;
use std::process::Command;

use chrono::{Duration, Utc};

use crate::common::{run_shape, text};
use crate::s3::{moto_env, start_moto};

/// Runs a boto3 script against moto on `port` (`s3` and `sqs` clients are defined); returns
/// what it printed.
fn boto(port: u16, script: &str) -> String {
    let preamble = format!(
        "import boto3, json\n\
         kw = dict(endpoint_url='http://127.0.0.1:{port}', region_name='us-east-1', \
         aws_access_key_id='test', aws_secret_access_key='test')\n\
         s3 = boto3.client('s3', **kw)\nsqs = boto3.client('sqs', **kw)\n"
    );
    let out = Command::new("python3")
        .args(["-c", &format!("{preamble}{script}")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// JSON lines stamped `day` (a date), one per message.
fn lines(day: &str, messages: &[&str]) -> String {
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            format!("{{\"ts\":\"{day}T10:{i:02}:00Z\",\"level\":\"info\",\"component\":\"web\",\"msg\":\"{m}\"}}\n")
        })
        .collect()
}

fn put(port: u16, key: &str, body: &str) {
    boto(
        port,
        &format!("s3.put_object(Bucket='logs', Key={key:?}, Body={body:?}.encode())"),
    );
}

struct Loop<'a> {
    dir: &'a Path,
    env: Vec<(&'static str, String)>,
}

impl Loop<'_> {
    /// A loop in `dir` with `config` as its shape.toml, reaching moto on `port`.
    fn new<'a>(dir: &'a Path, port: u16, config: &str) -> Loop<'a> {
        std::fs::write(dir.join("shape.toml"), config).unwrap();
        Loop {
            dir,
            env: moto_env(port).to_vec(),
        }
    }

    fn output(&self, args: &[&str]) -> std::process::Output {
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let config = self.dir.join("shape.toml").display().to_string();
        let data = self.dir.join("data").display().to_string();
        run_shape(
            self.dir,
            &[&["--config", &config, "--data-dir", &data][..], args].concat(),
            &env,
        )
    }

    fn shape(&self, args: &[&str]) -> String {
        let out = self.output(args);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
        stdout
    }

    fn sources(&self) -> String {
        self.shape(&[
            "query",
            "--format",
            "csv",
            "SELECT _source, count(*) AS n FROM events GROUP BY _source ORDER BY _source",
        ])
    }
}

fn day(days_ago: i64) -> (String, String) {
    let date = Utc::now().date_naive() - Duration::days(days_ago);
    (
        date.format("%Y-%m-%d").to_string(),
        date.format("%Y/%m/%d").to_string(),
    )
}

#[test]
fn the_loop_lists_time_ordered_keys_from_its_cursor() {
    let Some(moto) = start_moto() else { return };
    let port = moto.port;
    boto(port, "s3.create_bucket(Bucket='logs')");
    let (old_date, old_path) = day(400);
    let (yesterday, yesterday_path) = day(1);
    let (today, today_path) = day(0);
    // Firehose's layout: prefix/YYYY/MM/DD/HH/name. The old object is past the retention.
    put(
        port,
        &format!("fh/{old_path}/10/fh-0.jsonl"),
        &lines(&old_date, &["old"]),
    );
    put(
        port,
        &format!("fh/{yesterday_path}/10/fh-1.jsonl"),
        &lines(&yesterday, &["a", "b"]),
    );
    put(
        port,
        &format!("fh/{today_path}/08/fh-2.jsonl"),
        &lines(&today, &["c"]),
    );
    // A source may also name one object.
    put(port, "single.jsonl", &lines(&today, &["s"]));
    let dir = tempfile::tempdir().unwrap();
    let shape = Loop::new(
        dir.path(),
        port,
        "[run]\nsources = [\"s3://logs/fh/\", \"s3://logs/single.jsonl\"]\nlate_arrival = \"0s\"\n\n[retention]\nevents = \"30d\"\n",
    );
    shape.shape(&["run"]);
    // Keys before the retention's first day are not listed at all.
    assert_eq!(
        shape.sources(),
        format!(
            "_source,n\ns3://logs/fh/{yesterday_path}/10/fh-1.jsonl,2\ns3://logs/fh/{today_path}/08/fh-2.jsonl,1\ns3://logs/single.jsonl,1\n"
        )
    );
    let cursor = std::fs::read_dir(dir.path().join("data/_cursors"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let saved = std::fs::read_to_string(cursor).unwrap();
    assert!(
        saved.contains(&format!(
            "\"start_after\": \"fh/{today_path}/08/fh-2.jsonl\""
        )),
        "{saved}"
    );

    // A later key is read; a key that sorts before the cursor (later than `late_arrival`)
    // is past it and not listed, which is what saves the requests.
    put(
        port,
        &format!("fh/{today_path}/09/fh-3.jsonl"),
        &lines(&today, &["d", "e", "f"]),
    );
    // An object written again (a new ETag) is read again as a new version.
    put(port, "single.jsonl", &lines(&today, &["x", "y"]));
    put(
        port,
        &format!("fh/{today_path}/07/fh-late.jsonl"),
        &lines(&today, &["late"]),
    );
    let cycle = shape.shape(&["run"]);
    assert!(cycle.contains("fh-3.jsonl"), "{cycle}");
    assert!(!cycle.contains("fh-late"), "{cycle}");
    let sources = shape.sources();
    assert!(
        sources.contains(&format!("{today_path}/09/fh-3.jsonl,3")),
        "{sources}"
    );
    assert!(!sources.contains("fh-late"), "{sources}");
    assert!(cycle.contains("replaced"), "{cycle}");
    assert!(sources.contains("single.jsonl,3"), "{sources}");
    // `shape ingest` lists the whole prefix: the late object is found, nothing is read twice.
    shape.shape(&["ingest", "s3://logs/fh/"]);
    let sources = shape.sources();
    assert!(sources.contains("fh-late.jsonl,1"), "{sources}");
    assert!(sources.contains("fh-0.jsonl,1"), "{sources}");
    assert!(sources.contains("fh-3.jsonl,3"), "{sources}");
    assert!(!cycle.contains("no data yet"), "{cycle}");
}

#[test]
fn the_loop_reads_the_objects_an_sqs_queue_names() {
    let Some(moto) = start_moto() else { return };
    let port = moto.port;
    let queue_url = boto(
        port,
        "s3.create_bucket(Bucket='logs')\n\
         q = sqs.create_queue(QueueName='shape-new')['QueueUrl']\n\
         arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=['QueueArn'])['Attributes']['QueueArn']\n\
         s3.put_bucket_notification_configuration(Bucket='logs', NotificationConfiguration=\
         {'QueueConfigurations': [{'QueueArn': arn, 'Events': ['s3:ObjectCreated:*']}]})\n\
         print(q)",
    );
    let queue_url = queue_url.trim().to_string();
    let (today, today_path) = day(0);
    // A key with a space and an `=`: notifications carry keys form-encoded.
    put(
        port,
        &format!("v/date={today}/part 1.jsonl"),
        &lines(&today, &["a", "b"]),
    );
    put(
        port,
        &format!("v/{today_path}/part-2.jsonl"),
        &lines(&today, &["c"]),
    );
    boto(
        port,
        &format!("sqs.send_message(QueueUrl={queue_url:?}, MessageBody='not a notification')"),
    );
    let dir = tempfile::tempdir().unwrap();
    let shape = Loop::new(dir.path(), port, "[run]\nsources = [\"sqs://shape-new\"]\n");
    let cycle = shape.shape(&["run"]);
    assert!(
        cycle.contains("message left on the queue: message body is not JSON"),
        "{cycle}"
    );
    assert_eq!(
        shape.sources(),
        format!(
            "_source,n\ns3://logs/v/{today_path}/part-2.jsonl,1\ns3://logs/v/date={today}/part 1.jsonl,2\n"
        )
    );
    // The notifications (and S3's test event) are deleted; the bad message stays in flight,
    // to come again after its visibility timeout.
    let counts = |url: &str| {
        boto(
            port,
            &format!(
                "a = sqs.get_queue_attributes(QueueUrl={url:?}, AttributeNames=['All'])['Attributes']\n\
                 print(a['ApproximateNumberOfMessages'], a['ApproximateNumberOfMessagesNotVisible'])"
            ),
        )
    };
    assert_eq!(counts(&queue_url).trim(), "0 1");

    // A notification delivered twice (SQS is at-least-once) reads nothing twice.
    put(
        port,
        &format!("v/{today_path}/part-2.jsonl"),
        &lines(&today, &["c"]),
    );
    put(
        port,
        &format!("v/{today_path}/part-3.jsonl"),
        &lines(&today, &["d"]),
    );
    let cycle = shape.shape(&["run"]);
    assert!(cycle.contains("part-3.jsonl"), "{cycle}");
    let sources = shape.sources();
    assert!(sources.contains("part-2.jsonl,1\n"), "{sources}");
    assert!(sources.contains("part-3.jsonl,1\n"), "{sources}");
    assert_eq!(counts(&queue_url).trim(), "0 1");
}

#[test]
fn a_queue_that_does_not_exist_is_named() {
    let Some(moto) = start_moto() else { return };
    let dir = tempfile::tempdir().unwrap();
    let shape = Loop::new(
        dir.path(),
        moto.port,
        "[run]\nsources = [\"sqs://no-such-queue\"]\n",
    );
    let out = shape.output(&["run"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("sqs://no-such-queue"), "{stderr}");
    assert!(stderr.contains("GetQueueUrl"), "{stderr}");
}
