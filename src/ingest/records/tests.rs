use super::*;
use crate::ingest::text::YearHint;

fn plain() -> TextParser {
    TextParser {
        years: YearHint {
            year: None,
            reference_micros: 0,
        },
        dates: Default::default(),
    }
}

fn records(text: &str) -> Vec<Result<Fields, String>> {
    match json_records(text, &plain()).unwrap() {
        LineRecords::One(fields) => vec![Ok(fields)],
        LineRecords::Many(records) => records,
    }
}

fn get<'a>(fields: &'a Fields, key: &str) -> Option<&'a Value> {
    fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

#[test]
fn arrays_and_back_to_back_objects_are_several_records() {
    let array = records(r#"[{"ts":1,"msg":"a"},{"ts":2,"msg":"b"}, 3]"#);
    assert_eq!(array.len(), 3);
    assert_eq!(get(array[1].as_ref().unwrap(), "msg").unwrap(), "b");
    assert_eq!(
        array[2].as_ref().unwrap_err(),
        "a JSON number, not an object"
    );

    let firehose = records(r#"{"ts":1,"msg":"a"}{"ts":2,"msg":"b"} {"ts":3,"#);
    assert_eq!(firehose.len(), 3);
    assert_eq!(get(firehose[0].as_ref().unwrap(), "msg").unwrap(), "a");
    assert!(firehose[2].as_ref().unwrap_err().contains("invalid JSON"));

    // One object with garbage after it is bad JSON, not two records.
    assert!(json_records(r#"{"ts":1} x"#, &plain()).is_err());
    assert!(json_records(r#"{"ts":1} {"ts":2} x"#, &plain()).is_ok());
    assert_eq!(records(r#"{"ts":1}{"ts":"#).len(), 2);
    assert!(json_records("[]", &plain()).is_err());
    assert!(json_records("  ", &plain()).is_err());
    assert!(json_records("[1, 2]", &plain()).is_err());
}

#[test]
fn cloudwatch_messages_give_their_events() {
    let line = r#"{"messageType":"DATA_MESSAGE","owner":"1234","logGroup":"/aws/lambda/checkout","logStream":"2026/11/30/[$LATEST]ab","subscriptionFilters":["all"],"logEvents":[{"id":"1","timestamp":1764511262123,"message":"START RequestId: 9f Version: $LATEST\n"},{"id":"2","timestamp":1764511262200,"message":"{\"level\":\"error\",\"msg\":\"card declined\",\"service\":\"pay\"}"}]}"#;
    let events = records(line);
    assert_eq!(events.len(), 2);
    let first = events[0].as_ref().unwrap();
    assert_eq!(get(first, "service").unwrap(), "checkout");
    assert_eq!(get(first, "ts").unwrap(), 1764511262123u64);
    let second = events[1].as_ref().unwrap();
    assert_eq!(get(second, "service").unwrap(), "pay");
    assert_eq!(get(second, "level").unwrap(), "error");
    assert_eq!(
        get(second, "aws.log_group").unwrap(),
        "/aws/lambda/checkout"
    );

    let control = records(r#"{"messageType":"CONTROL_MESSAGE","logEvents":[]}"#);
    assert!(control[0].as_ref().unwrap_err().contains("CONTROL_MESSAGE"));
}

#[test]
fn aws_records_files_give_their_events() {
    let line = r#"{"Records":[{"eventTime":"2026-11-30T14:01:02Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","errorCode":"AccessDenied","errorMessage":"Access Denied","userIdentity":{"userName":"alice"}},{"eventTime":"2026-11-30T14:01:03Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","errorCode":null}]}"#;
    let events = records(line);
    assert_eq!(events.len(), 2);
    let denied = events[0].as_ref().unwrap();
    assert_eq!(get(denied, "ts").unwrap(), "2026-11-30T14:01:02Z");
    assert_eq!(get(denied, "service").unwrap(), "s3.amazonaws.com");
    assert_eq!(get(denied, "operation").unwrap(), "GetObject");
    assert_eq!(get(denied, "message").unwrap(), "Access Denied");
    assert_eq!(get(denied, "level").unwrap(), "ERROR");
    assert_eq!(get(denied, "outcome").unwrap(), "error");
    let listed = events[1].as_ref().unwrap();
    assert_eq!(get(listed, "message").unwrap(), "DescribeInstances");
    assert!(get(listed, "level").is_none() && get(listed, "outcome").is_none());
    // `Records` that are not AWS events stay one record.
    assert!(matches!(
        json_records(r#"{"ts":1764511262,"Records":[{"a":1}]}"#, &plain()),
        Ok(LineRecords::One(_))
    ));
}

#[test]
fn aws_cli_log_events_and_google_cloud_audit_entries() {
    let line = r#"{"events":[{"logStreamName":"web/1","timestamp":1796047262123,"message":"2026-11-30 14:01:02,123 ERROR [main] c.e.Pay - failed\n","eventId":"37"},{"timestamp":1796047263000,"message":"no time here\n"}],"nextForwardToken":"f/1"}"#;
    let events = records(line);
    assert_eq!(events.len(), 2);
    let first = events[0].as_ref().unwrap();
    assert_eq!(get(first, "level").unwrap(), "ERROR");
    assert_eq!(get(first, "message").unwrap(), "failed");
    assert_eq!(get(first, "aws.log_stream").unwrap(), "web/1");
    let second = events[1].as_ref().unwrap();
    assert_eq!(get(second, "message").unwrap(), "no time here");
    // `events` that are not CloudWatch's stay one record.
    assert!(matches!(
        json_records(r#"{"ts":1764511262,"events":[{"a":1}]}"#, &plain()),
        Ok(LineRecords::One(_))
    ));

    let line = r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{"code":7,"message":"PERMISSION_DENIED"},"authenticationInfo":{"principalEmail":"alice@example.com"},"serviceName":"storage.googleapis.com","methodName":"storage.objects.get"},"timestamp":"2026-11-30T14:01:02.123Z","severity":"ERROR","logName":"projects/p/logs/cloudaudit.googleapis.com%2Fdata_access"}"#;
    let entry = &records(line)[0].as_ref().unwrap().clone();
    assert_eq!(get(entry, "service").unwrap(), "storage.googleapis.com");
    assert_eq!(get(entry, "operation").unwrap(), "storage.objects.get");
    assert_eq!(get(entry, "user").unwrap(), "alice@example.com");
    assert_eq!(get(entry, "outcome").unwrap(), "failure");
    assert_eq!(
        get(entry, "message").unwrap(),
        "storage.objects.get: PERMISSION_DENIED"
    );
}

#[test]
fn vault_audit_entries() {
    let line = r#"{"time":"2026-11-30T14:01:02.123456Z","type":"response","auth":{"display_name":"approle"},"request":{"operation":"read","path":"secret/data/db"},"error":"1 error occurred:\n\t* permission denied\n\n"}"#;
    let entry = &records(line)[0].as_ref().unwrap().clone();
    assert_eq!(get(entry, "service").unwrap(), "vault");
    assert_eq!(get(entry, "operation").unwrap(), "read secret/data/db");
    assert_eq!(get(entry, "user").unwrap(), "approle");
    assert_eq!(get(entry, "outcome").unwrap(), "failure");
    assert_eq!(
        get(entry, "message").unwrap(),
        "1 error occurred: permission denied"
    );
    let line = r#"{"time":"2026-11-30T14:01:03Z","type":"request","request":{"operation":"update","path":"auth/approle/login"}}"#;
    let entry = &records(line)[0].as_ref().unwrap().clone();
    assert_eq!(
        get(entry, "message").unwrap(),
        "request update auth/approle/login"
    );
    assert!(get(entry, "outcome").is_none());
    // Another record with `type` and `request` stays as it is.
    let line = r#"{"ts":"2026-11-30T14:01:03Z","type":"http","request":"GET /"}"#;
    let entry = &records(line)[0].as_ref().unwrap().clone();
    assert!(get(entry, "service").is_none());
}

#[test]
fn bunyan_and_pino_records_name_their_service() {
    let service = |line: &str| {
        let fields = records(line).remove(0).unwrap();
        let services: Vec<_> = fields.iter().filter(|(k, _)| k == "service").collect();
        assert!(services.len() <= 1, "one service field at most: {fields:?}");
        services.first().map(|(_, v)| v.clone())
    };
    let bunyan = r#"{"name":"shop","hostname":"web-1","pid":1234,"level":50,"msg":"payment failed","time":"2026-11-30T14:01:03.456Z","v":0}"#;
    assert_eq!(service(bunyan), Some(Value::from("shop")));
    let pino = r#"{"level":30,"time":1796047262123,"pid":7,"hostname":"api-0","name":"orders","msg":"ok"}"#;
    assert_eq!(service(pino), Some(Value::from("orders")));
    // A field that names the service wins; a `name` elsewhere is no service.
    let named = r#"{"name":"shop","hostname":"h","pid":1,"level":30,"service":"cart","msg":"x"}"#;
    assert_eq!(service(named), Some(Value::from("cart")));
    let user = r#"{"name":"alice","hostname":"h","pid":1,"level":"info","msg":"login"}"#;
    assert_eq!(
        service(user),
        None,
        "a text level: not bunyan's or pino's scale"
    );
    let event = r#"{"name":"login","level":30,"msg":"x"}"#;
    assert_eq!(service(event), None, "no hostname and pid");
}

#[test]
fn tracing_records_lift_their_fields() {
    let line = r#"{"timestamp":"2026-11-30T14:01:03.123456Z","level":"ERROR","fields":{"message":"request failed","status":503},"target":"shop::http","span":{"name":"request"}}"#;
    let fields = records(line).remove(0).unwrap();
    assert_eq!(get(&fields, "message").unwrap(), "request failed");
    assert_eq!(get(&fields, "status").unwrap(), 503);
    assert_eq!(get(&fields, "logger").unwrap(), "shop::http");
    assert!(get(&fields, "fields").is_none(), "{fields:?}");
    // `fields` that is no object, or no `target`: left as it is.
    let plain = records(r#"{"fields":"a,b","target":"x","msg":"m"}"#)
        .remove(0)
        .unwrap();
    assert_eq!(get(&plain, "fields").unwrap(), "a,b");
}
