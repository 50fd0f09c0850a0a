//! `sqs://QUEUE` sources: an SQS queue of S3 event notifications names the new objects, so a
//! loop over a bucket of millions of objects lists nothing at all.
//!
//! A message is deleted only after every object it names is committed (or no longer exists):
//! a crash, or an object that failed, leaves it to be delivered again once its visibility
//! timeout passes, and the ingest's idempotence makes a second delivery harmless. A message that
//! is no S3 notification is left too (a dead-letter queue set on the queue takes it after its
//! `maxReceiveCount`).
//!
//! Requests use SQS's JSON protocol over reqwest, signed with `aws-sigv4` (the AWS SDK's own
//! signer, without the SDK's runtime). Credentials and region come from the standard
//! environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
//! `AWS_REGION`); the endpoint from `AWS_ENDPOINT_URL_SQS` or `AWS_ENDPOINT_URL`.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use serde_json::{json, Value};

/// Messages taken per cycle at most (ten per request).
pub const MAX_MESSAGES_PER_CYCLE: usize = 1000;
/// How long received messages stay hidden from other consumers: longer than a cycle takes.
const VISIBILITY_TIMEOUT_SECS: u64 = 900;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("bad queue source {0:?}: expected sqs://QUEUE_NAME")]
    BadUrl(String),
    #[error(
        "SQS queue {queue}: credentials missing: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )]
    NoCredentials { queue: String },
    #[error("SQS queue {queue}: {action} failed: {message}")]
    Request {
        queue: String,
        action: &'static str,
        message: String,
    },
}

/// An object an S3 event notification names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifiedObject {
    pub bucket: String,
    pub key: String,
}

impl NotifiedObject {
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// The objects created according to a message body: an S3 event notification (direct, or
/// wrapped by SNS), or EventBridge's `Object Created`. Removals and S3's test event name
/// none; anything else is an error saying what the body is not.
pub fn objects_named(body: &str) -> Result<Vec<NotifiedObject>, String> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| format!("message body is not JSON: {e}"))?;
    if value["Type"] == "Notification" {
        if let Some(inner) = value["Message"].as_str() {
            return objects_named(inner);
        }
    }
    if value["Event"] == "s3:TestEvent" {
        return Ok(Vec::new());
    }
    if let Some(records) = value["Records"].as_array() {
        let mut found = Vec::new();
        for record in records {
            let created = record["eventName"]
                .as_str()
                .is_some_and(|name| name.starts_with("ObjectCreated"));
            if !created {
                continue;
            }
            let bucket = record["s3"]["bucket"]["name"].as_str();
            let key = record["s3"]["object"]["key"].as_str();
            let (Some(bucket), Some(key)) = (bucket, key) else {
                return Err(
                    "an ObjectCreated record without s3.bucket.name or s3.object.key".into(),
                );
            };
            found.push(NotifiedObject {
                bucket: bucket.to_string(),
                key: decode_notification_key(key),
            });
        }
        return Ok(found);
    }
    if value["source"] == "aws.s3" {
        if value["detail-type"] != "Object Created" {
            return Ok(Vec::new());
        }
        let bucket = value["detail"]["bucket"]["name"].as_str();
        let key = value["detail"]["object"]["key"].as_str();
        if let (Some(bucket), Some(key)) = (bucket, key) {
            return Ok(vec![NotifiedObject {
                bucket: bucket.to_string(),
                key: key.to_string(),
            }]);
        }
    }
    Err("not an S3 event notification (no Records, no EventBridge S3 event)".into())
}

/// S3 notifications carry keys form-encoded: `+` for a space, `%XX` for other bytes.
fn decode_notification_key(key: &str) -> String {
    let spaced = key.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// One received message.
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
    pub receipt_handle: String,
    pub body: String,
}

/// A queue, reached with the environment's credentials.
pub struct SqsQueue {
    /// The `sqs://` source it was named by.
    pub source: String,
    name: String,
    endpoint: String,
    region: String,
    credentials: Credentials,
    queue_url: Option<String>,
    http: reqwest::Client,
}

impl SqsQueue {
    pub fn from_source(source: &str) -> Result<SqsQueue, QueueError> {
        let name = source
            .strip_prefix("sqs://")
            .map(|n| n.trim_end_matches('/'))
            .filter(|n| !n.is_empty() && !n.contains('/'))
            .ok_or_else(|| QueueError::BadUrl(source.to_string()))?;
        let env = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
        let region = env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_string());
        let endpoint = env("AWS_ENDPOINT_URL_SQS")
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .or_else(|| env("AWS_ENDPOINT"))
            .unwrap_or_else(|| format!("https://sqs.{region}.amazonaws.com"));
        let (Some(key), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"))
        else {
            return Err(QueueError::NoCredentials {
                queue: source.to_string(),
            });
        };
        let credentials = Credentials::new(key, secret, env("AWS_SESSION_TOKEN"), None, "env");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| QueueError::Request {
                queue: source.to_string(),
                action: "client setup",
                message: e.to_string(),
            })?;
        Ok(SqsQueue {
            source: source.to_string(),
            name: name.to_string(),
            endpoint: endpoint.trim_end_matches('/').to_string() + "/",
            region,
            credentials,
            queue_url: None,
            http,
        })
    }

    /// One SQS action (`AmazonSQS.<action>`) with a JSON body, signed.
    async fn call(&self, action: &'static str, body: Value) -> Result<Value, QueueError> {
        let failed = |message: String| QueueError::Request {
            queue: self.source.clone(),
            action,
            message,
        };
        let body = serde_json::to_vec(&body).expect("JSON serialises");
        let target = format!("AmazonSQS.{action}");
        let headers = [
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", target.as_str()),
        ];
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("sqs")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| failed(e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            &self.endpoint,
            headers.iter().copied(),
            SignableBody::Bytes(&body),
        )
        .map_err(|e| failed(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| failed(e.to_string()))?
            .into_parts();
        let mut request = self.http.post(&self.endpoint);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let (signed_headers, _) = instructions.into_parts();
        for header in signed_headers {
            request = request.header(header.name(), header.value());
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| failed(e.to_string()))?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !status.is_success() {
            let kind = value["__type"].as_str().unwrap_or_default();
            let kind = kind.rsplit('#').next().unwrap_or(kind);
            let message = value["message"].as_str().or(value["Message"].as_str());
            let detail = message.map_or_else(|| text.chars().take(300).collect(), str::to_string);
            return Err(failed(format!("{status} {kind}: {detail}")));
        }
        Ok(value)
    }

    async fn url(&mut self) -> Result<String, QueueError> {
        if let Some(url) = &self.queue_url {
            return Ok(url.clone());
        }
        let answer = self
            .call("GetQueueUrl", json!({ "QueueName": self.name }))
            .await?;
        let url = answer["QueueUrl"]
            .as_str()
            .ok_or_else(|| QueueError::Request {
                queue: self.source.clone(),
                action: "GetQueueUrl",
                message: "the answer names no QueueUrl".into(),
            })?
            .to_string();
        self.queue_url = Some(url.clone());
        Ok(url)
    }

    /// Takes up to `limit` messages waiting now (no long polling: the loop has its own pace).
    pub async fn receive(&mut self, limit: usize) -> Result<Vec<ReceivedMessage>, QueueError> {
        let url = self.url().await?;
        let mut messages = Vec::new();
        while messages.len() < limit {
            let batch = (limit - messages.len()).min(10);
            let answer = self
                .call(
                    "ReceiveMessage",
                    json!({
                        "QueueUrl": url,
                        "MaxNumberOfMessages": batch,
                        "WaitTimeSeconds": 0,
                        "VisibilityTimeout": VISIBILITY_TIMEOUT_SECS,
                    }),
                )
                .await?;
            let received = answer["Messages"].as_array().cloned().unwrap_or_default();
            if received.is_empty() {
                break;
            }
            for message in received {
                let (Some(handle), Some(body)) =
                    (message["ReceiptHandle"].as_str(), message["Body"].as_str())
                else {
                    continue;
                };
                messages.push(ReceivedMessage {
                    receipt_handle: handle.to_string(),
                    body: body.to_string(),
                });
            }
        }
        Ok(messages)
    }

    /// Deletes messages by receipt handle, ten per request.
    pub async fn delete(&mut self, handles: &[String]) -> Result<(), QueueError> {
        let url = self.url().await?;
        for chunk in handles.chunks(10) {
            let entries: Vec<Value> = chunk
                .iter()
                .enumerate()
                .map(|(i, handle)| json!({ "Id": i.to_string(), "ReceiptHandle": handle }))
                .collect();
            let answer = self
                .call(
                    "DeleteMessageBatch",
                    json!({ "QueueUrl": url, "Entries": entries }),
                )
                .await?;
            if let Some(failed) = answer["Failed"].as_array().filter(|f| !f.is_empty()) {
                return Err(QueueError::Request {
                    queue: self.source.clone(),
                    action: "DeleteMessageBatch",
                    message: format!("{} entries failed: {}", failed.len(), failed[0]),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(bucket: &str, key: &str) -> NotifiedObject {
        NotifiedObject {
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    #[test]
    fn notifications_name_the_created_objects() {
        let s3 = r#"{"Records":[
            {"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"logs"},
             "object":{"key":"app/2026/12/01/web+1%3Dx.log.gz","size":10}}},
            {"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"logs"},
             "object":{"key":"app/old.log"}}},
            {"eventName":"ObjectCreated:CompleteMultipartUpload","s3":{"bucket":{"name":"logs"},
             "object":{"key":"app/b%C3%A9.log"}}}]}"#;
        assert_eq!(
            objects_named(s3).unwrap(),
            vec![
                object("logs", "app/2026/12/01/web 1=x.log.gz"),
                object("logs", "app/bé.log")
            ]
        );
        let sns = json!({"Type": "Notification", "Message": s3}).to_string();
        assert_eq!(objects_named(&sns).unwrap().len(), 2);
        let bridge = r#"{"source":"aws.s3","detail-type":"Object Created",
            "detail":{"bucket":{"name":"b"},"object":{"key":"k/1.log"}}}"#;
        assert_eq!(objects_named(bridge).unwrap(), vec![object("b", "k/1.log")]);
        assert_eq!(
            objects_named(r#"{"Event":"s3:TestEvent","Bucket":"logs"}"#).unwrap(),
            vec![]
        );
        assert_eq!(object("b", "k").uri(), "s3://b/k");
    }

    #[test]
    fn other_bodies_say_what_they_are_not() {
        assert!(objects_named("hello").unwrap_err().contains("not JSON"));
        assert!(objects_named(r#"{"a":1}"#)
            .unwrap_err()
            .contains("not an S3 event notification"));
        assert!(
            objects_named(r#"{"Records":[{"eventName":"ObjectCreated:Put","s3":{}}]}"#)
                .unwrap_err()
                .contains("without s3.bucket.name")
        );
    }

    #[test]
    fn queue_sources_are_names() {
        for bad in ["sqs://", "sqs://a/b", "s3://q"] {
            assert!(matches!(
                SqsQueue::from_source(bad),
                Err(QueueError::BadUrl(_))
            ));
        }
    }
}
