use super::super::tests::{fields, get};

#[test]
fn postgres_prefixes_rds_azure_and_pgbadger() {
    let f = fields("2026-11-30 14:01:02 UTC:10.0.0.5(54321):app@shop:[1234]:ERROR:  duplicate key value violates unique constraint \"users_pkey\"");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(get(&f, "pid").unwrap(), "1234");
    assert_eq!(get(&f, "user").unwrap(), "app");
    assert_eq!(get(&f, "database").unwrap(), "shop");
    assert_eq!(get(&f, "client").unwrap(), "10.0.0.5(54321)");
    assert!(get(&f, "message")
        .unwrap()
        .as_str()
        .starts_with("duplicate key"));
    assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:02+00:00");

    let f = fields("2026-11-30 14:01:04 UTC::@:[987]:LOG:  checkpoint starting: time");
    assert_eq!(get(&f, "level").unwrap(), "INFO");
    assert_eq!(get(&f, "pid").unwrap(), "987");
    assert!(get(&f, "user").is_none());
    assert_eq!(get(&f, "message").unwrap(), "checkpoint starting: time");

    let f = fields("2026-11-30 14:01:03 UTC-6571a1b2.4d3-FATAL:  password authentication failed for user \"bob\"");
    assert_eq!(get(&f, "level").unwrap(), "FATAL");
    assert_eq!(get(&f, "session_id").unwrap(), "6571a1b2.4d3");

    let f = fields("2026-11-30 14:01:02 UTC [1234]: [1-1] user=app,db=shop,app=psql,client=10.0.0.5 LOG:  duration: 12.345 ms  statement: select 1");
    assert_eq!(get(&f, "pid").unwrap(), "1234");
    assert_eq!(get(&f, "session_line").unwrap(), "1-1");
    assert_eq!(get(&f, "database").unwrap(), "shop");
    assert_eq!(get(&f, "application_name").unwrap(), "psql");
    assert_eq!(get(&f, "client").unwrap(), "10.0.0.5");
    assert_eq!(get(&f, "duration_ms").unwrap(), "12.345");

    // The long-standing default still reads as it did.
    let f = fields(
        "2026-11-30 14:01:02.123 UTC [1240] app@shop ERROR:  relation \"users\" does not exist",
    );
    assert_eq!(get(&f, "pid").unwrap(), "1240");
    assert_eq!(get(&f, "database").unwrap(), "shop");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
}

#[test]
fn postgres_labels_in_prose_are_the_message() {
    // Two spaces after a label deep in a sentence: not a prefix.
    let f = fields("2026-11-30 14:01:02,123 WARN the nightly job saw this from the replica ERROR:  canceling statement");
    assert_eq!(get(&f, "level").unwrap(), "WARN");
    assert!(get(&f, "message")
        .unwrap()
        .as_str()
        .contains("ERROR:  canceling"));
    // A thread before the label is the general reader's.
    let f = fields("2026-11-30 14:01:02,123 [main] ERROR:  payment failed");
    assert_eq!(get(&f, "thread").unwrap(), "main");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    // PHP's labels are not PostgreSQL's.
    let f = fields("[30-Nov-2026 14:01:02 UTC] PHP Warning:  Undefined variable $x in /app/index.php on line 3");
    assert_eq!(get(&f, "level").unwrap(), "WARN");
    assert!(get(&f, "pid").is_none());
}

#[test]
fn colon_separated_python_and_jetty() {
    let f = fields("2026-11-30 14:01:04,789:ERROR:certbot._internal.error_handler:Encountered exception during recovery: x");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(
        get(&f, "logger").unwrap(),
        "certbot._internal.error_handler"
    );
    assert_eq!(
        get(&f, "message").unwrap(),
        "Encountered exception during recovery: x"
    );
    let f = fields("2026-11-30 14:01:04,789:INFO:root:Result: 5");
    assert_eq!(get(&f, "logger").unwrap(), "root");
    assert_eq!(get(&f, "message").unwrap(), "Result: 5");
    assert!(get(&f, "thread").is_none());
    let f = fields("2026-11-30 14:01:03.456:WARN:oejs.HttpChannel:qtp1234567-56: /api/orders");
    assert_eq!(get(&f, "level").unwrap(), "WARN");
    assert_eq!(get(&f, "logger").unwrap(), "oejs.HttpChannel");
    assert_eq!(get(&f, "thread").unwrap(), "qtp1234567-56");
    assert_eq!(get(&f, "message").unwrap(), "/api/orders");
    let f = fields("2026-11-30 14:01:02.123:INFO::main: Logging initialized @456ms");
    assert!(get(&f, "logger").is_none());
    assert_eq!(get(&f, "thread").unwrap(), "main");
    assert_eq!(get(&f, "message").unwrap(), "Logging initialized @456ms");
    // A time of day followed by a colon and words is no level.
    let f = fields("2026-11-30 14:01:02:hello:world: x");
    assert!(get(&f, "logger").is_none());
}

#[test]
fn capnslog_cloud_init_and_bind() {
    let f = fields("2026-11-30 14:01:04.789012 E | rafthttp: failed to dial 8e9e05c52164694d on stream MsgApp v2");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(get(&f, "logger").unwrap(), "rafthttp");
    assert!(get(&f, "message")
        .unwrap()
        .as_str()
        .starts_with("failed to dial"));
    let f = fields(
        "2026-11-30 14:01:05.000001 N | etcdserver/membership: set the cluster version to 3.3",
    );
    assert_eq!(get(&f, "level").unwrap(), "INFO");
    assert_eq!(get(&f, "logger").unwrap(), "etcdserver/membership");

    let f = fields("2026-11-30 14:01:03,456 - url_helper.py[WARNING]: Calling 'http://169.254.169.254/' failed [0/1s]");
    assert_eq!(get(&f, "level").unwrap(), "WARN");
    assert_eq!(get(&f, "logger").unwrap(), "url_helper.py");
    assert!(get(&f, "message").unwrap().as_str().starts_with("Calling"));

    let f = fields("30-Nov-2026 14:01:02.123 queries: info: client @0x7f1234567890 10.0.0.1#53211 (example.com): query: example.com IN AAAA +E(0)K (10.0.0.2)");
    assert_eq!(get(&f, "level").unwrap(), "INFO");
    assert_eq!(get(&f, "logger").unwrap(), "queries");
    assert_eq!(get(&f, "operation").unwrap(), "AAAA");
    let f = fields("30-Nov-2026 14:01:04.789 general: error: zone example.com/IN: loading from master file failed");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(
        get(&f, "message").unwrap(),
        "zone example.com/IN: loading from master file failed"
    );
    // Prose with two colons is not a category and severity.
    let f = fields("2026-11-30 14:01:02 ERROR cache: miss: key 17");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
}

#[test]
fn cisco_device_lines_with_marks_and_sequence_numbers() {
    for (line, service, level, mnemonic) in [
        ("*Nov 30 14:01:02.123: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down", "LINK", "ERROR", "UPDOWN"),
        (".Nov 30 14:01:03.456 UTC: %SYS-5-CONFIG_I: Configured from console by admin", "SYS", "INFO", "CONFIG_I"),
        ("000125: *Nov 30 14:01:05.001: %SEC-6-IPACCESSLOGP: list 101 denied tcp 10.0.0.1(54321)", "SEC", "INFO", "IPACCESSLOGP"),
        ("Nov 30 2026 14:01:06: %ASA-4-106023: Deny tcp src outside:10.0.0.1/5 dst inside:10.0.0.2/22", "ASA", "WARN", "106023"),
    ] {
        let f = fields(line);
        assert_eq!(get(&f, "service").unwrap(), service, "{line}");
        assert_eq!(get(&f, "level").unwrap(), level, "{line}");
        assert_eq!(get(&f, "mnemonic").unwrap(), mnemonic, "{line}");
        assert!(get(&f, "ts").unwrap().contains("-11-30T14:01:0"), "{f:?}");
    }
    // A mark before something that is not a time starts nothing.
    assert!(super::super::starts_text_event(
        b"*Nov 30 14:01:02.123: %LINK-3-UPDOWN: x"
    ));
    assert!(!super::super::starts_text_event(b"*  something else 14:01"));
    assert!(!super::super::starts_text_event(b".5 seconds later"));
}

#[test]
fn tensorflow_glog_after_the_time() {
    let f = fields("2026-11-30 14:01:04.789012: E tensorflow/compiler/xla/stream_executor/cuda/cuda_driver.cc:268] failed call to cuInit: CUDA_ERROR_NO_DEVICE");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(
        get(&f, "logger").unwrap(),
        "tensorflow/compiler/xla/stream_executor/cuda/cuda_driver.cc"
    );
    assert_eq!(get(&f, "source_line").unwrap(), "268");
    assert_eq!(
        get(&f, "message").unwrap(),
        "failed call to cuInit: CUDA_ERROR_NO_DEVICE"
    );
    // A colon after the time before prose is not glog's.
    let f = fields("2026-11-30 14:01:04: I think so] maybe");
    assert!(get(&f, "source_line").is_none());
}

#[test]
fn more_timestamp_shapes_plex_netlogon_geth() {
    let f = fields("Nov 30, 2026 14:01:03.456 [0x7f1234567891] ERROR - [Transcoder] Transcode runner appears to have died.");
    assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:03.456");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    let f = fields("Nov 30, 2026 2:01:02 PM org.apache.catalina.startup.Catalina start");
    assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:02");
    let f = fields(
        "11/30 14:01:03 [CRITICAL] [1234] CORP: NlPrintRpcDebug: Couldn't get EndpointCount",
    );
    assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:03");
    assert_eq!(get(&f, "level").unwrap(), "FATAL");
    let f = fields("WARN [11-30|14:01:03.456] Snapshot extension registration failed   peer=1a2b3c4d err=\"peer connected\"");
    assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:03.456");
    assert_eq!(get(&f, "level").unwrap(), "WARN");
    let f = fields("ERROR[11-30|14:01:04.789] Failed to journal state snapshot          err=\"snapshot missing\"");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert!(get(&f, "message").unwrap().starts_with("Failed to journal"));
}

#[test]
fn gluster_and_couchdb() {
    let f = fields("[2026-11-30 14:01:03.456789 +0000] E [MSGID: 106118] [glusterd-handler.c:123:glusterd_op_lock] 0-management: Unable to acquire lock for vol0");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(get(&f, "msgid").unwrap(), "106118");
    assert_eq!(get(&f, "logger").unwrap(), "0-management");
    assert_eq!(
        get(&f, "message").unwrap(),
        "Unable to acquire lock for vol0"
    );
    let f = fields("[2026-11-30 14:01:04.000001 +0000] W [rpc-clnt.c:1234:rpc_clnt_notify] 0-vol0-client-1: disconnected from vol0-client-1");
    assert_eq!(get(&f, "level").unwrap(), "WARN");
    assert_eq!(
        get(&f, "source").unwrap(),
        "rpc-clnt.c:1234:rpc_clnt_notify"
    );

    let f = fields("[notice] 2026-11-30T14:01:02.123456Z couchdb@127.0.0.1 <0.123.0> 8f2a1b2c3d localhost:5984 10.0.0.1 admin GET /_all_dbs 500 ok 12");
    assert_eq!(get(&f, "level").unwrap(), "INFO");
    assert_eq!(get(&f, "node").unwrap(), "couchdb@127.0.0.1");
    assert_eq!(get(&f, "request_id").unwrap(), "8f2a1b2c3d");
    assert_eq!(get(&f, "status").unwrap(), "500");
    assert_eq!(get(&f, "path").unwrap(), "/_all_dbs");
    assert_eq!(get(&f, "duration_ms").unwrap(), "12.0");
    let f = fields("[error] 2026-11-30T14:01:03.456789Z couchdb@127.0.0.1 <0.456.0> -------- Could not open file ./data/_users.couch");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert!(get(&f, "request_id").is_none());
    assert_eq!(
        get(&f, "message").unwrap(),
        "Could not open file ./data/_users.couch"
    );
}

#[test]
fn windows_update_clamav_vllm_and_program_levels() {
    let f = fields(
        "2026/11/30 14:01:03.4567890 1234  5678  Agent          * WARNING: Exit code = 0x8024402C",
    );
    assert_eq!(get(&f, "logger").unwrap(), "Agent");
    assert_eq!(get(&f, "level").unwrap(), "WARN");
    assert_eq!(get(&f, "tid").unwrap(), "5678");
    let f = fields("Mon Nov 30 14:01:04 2026 -> ERROR: Can't open file or directory");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    let f = fields("Mon Nov 30 14:01:03 2026 -> /home/bob/eicar.com: Eicar-Signature FOUND");
    assert_eq!(
        get(&f, "message").unwrap(),
        "/home/bob/eicar.com: Eicar-Signature FOUND"
    );
    let f = fields("ERROR 11-30 14:01:04 [engine.py:160] RuntimeError: CUDA out of memory");
    assert_eq!(get(&f, "logger").unwrap(), "engine.py:160");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    let f = fields("2026-11-30T14:01:04: PM2 error: Error: spawn node ENOENT");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    let f = fields("2026-11-30T14:01:04: PM2 log: App [api:0] online");
    assert!(get(&f, "level").is_none_or(|l| l == "INFO"));
}

#[test]
fn salt_module_brackets() {
    let f = fields("2026-11-30 14:01:03,456 [salt.utils.process                           :987 ][WARNING ][5678] Process did not die with terminate()");
    assert_eq!(get(&f, "logger").unwrap(), "salt.utils.process");
    assert_eq!(get(&f, "source_line").unwrap(), "987");
    assert_eq!(get(&f, "level").unwrap(), "WARN");
    assert_eq!(get(&f, "pid").unwrap(), "5678");
    assert_eq!(
        get(&f, "message").unwrap(),
        "Process did not die with terminate()"
    );
    // Cassandra's thread keeps its number.
    let f = fields(
        "ERROR [CompactionExecutor:2] 2026-11-30 14:01:04,123 CompactionTask.java:244 - failed",
    );
    assert_eq!(get(&f, "thread").unwrap(), "CompactionExecutor:2");
}

#[test]
fn exim_marks() {
    let f = fields("2026-11-30 14:01:03 1nAgOH-0005uW-Ga ** bob@example.org R=dnslookup T=remote_smtp: SMTP error from remote mail server after RCPT TO:<bob@example.org>: 550 5.1.1 User unknown");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(get(&f, "operation").unwrap(), "deliver");
    assert_eq!(get(&f, "message_id").unwrap(), "1nAgOH-0005uW-Ga");
    assert!(get(&f, "message")
        .unwrap()
        .as_str()
        .starts_with("1nAgOH-0005uW-Ga ** bob"));
    let f = fields("2026-11-30 14:01:02 1nAgOH-0005uW-Ga <= www-data@mail.example.com U=www-data P=local S=1234");
    assert_eq!(get(&f, "operation").unwrap(), "receive");
    assert!(get(&f, "level").is_none_or(|l| l == "INFO"));
    let f =
        fields("2026-11-30 14:01:04 1nAgOI-0005uX-Hb == carol@example.net R=dnslookup defer (-44)");
    assert_eq!(get(&f, "level").unwrap(), "WARN");
    let f = fields("2026-11-30 14:01:03 1nAgOH-0005uW-Ga Completed");
    assert!(get(&f, "operation").is_none());
    assert_eq!(get(&f, "message_id").unwrap(), "1nAgOH-0005uW-Ga");
}

#[test]
fn asterisk_levels_glued_to_their_pid() {
    let f = fields("[Nov 30 14:01:03] WARNING[1235][C-00000001]: app_dial.c:1234 dial_exec_full: Unable to create channel of type 'SIP'");
    assert_eq!(get(&f, "level").unwrap(), "WARN");
    assert_eq!(get(&f, "pid").unwrap(), "1235");
    assert_eq!(get(&f, "call_id").unwrap(), "C-00000001");
    assert_eq!(get(&f, "logger").unwrap(), "app_dial.c:1234");
    assert_eq!(
        get(&f, "message").unwrap(),
        "dial_exec_full: Unable to create channel of type 'SIP'"
    );
    let f = fields("[Nov 30 14:01:04] ERROR[1236]: res_pjsip.c:123 ast_sip_create_dialog_uas: Could not create dialog");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert!(get(&f, "call_id").is_none());
    // An upper-case word and a bracket that is no pid is not this layout.
    let f = fields("2026-11-30 14:01:02 ERROR[main] payment failed");
    assert!(get(&f, "pid").is_none_or(|p| p != "main"));
}

#[test]
fn jvm_gc_collections() {
    let f = fields("2026-11-30T14:01:03.456+0000: 13.678: [Full GC (Ergonomics) [PSYoungGen: 512K->0K(2048K)] 4000K->3000K(4096K), 0.1234567 secs] [Times: user=0.20 sys=0.01, real=0.12 secs]");
    assert_eq!(get(&f, "level").unwrap(), "WARN");
    assert_eq!(get(&f, "operation").unwrap(), "Full GC (Ergonomics)");
    assert_eq!(get(&f, "duration_ms").unwrap(), "123.457");
    assert_eq!(get(&f, "uptime_s").unwrap(), "13.678");
    assert_eq!(get(&f, "logger").unwrap(), "gc");
    let f = fields("2026-11-30T14:01:02.123+0000: 12.345: [GC (Allocation Failure) [PSYoungGen: 1024K->512K(2048K)] 1024K->600K(4096K), 0.0012346 secs]");
    assert!(get(&f, "level").is_none());
    assert_eq!(get(&f, "operation").unwrap(), "GC (Allocation Failure)");
    assert_eq!(get(&f, "duration_ms").unwrap(), "1.235");
    // ParNew repeats the date stamp inside; the stopped-time lines keep their message.
    let f = fields("2018-06-11T02:00:11.097+0000: 1396558.467: [GC (Allocation Failure) 2018-06-11T02:00:11.097+0000: 1396558.467: [ParNew: 153138K->12252K(153344K), 0.0077785 secs]");
    assert_eq!(get(&f, "operation").unwrap(), "GC (Allocation Failure)");
    let f = fields("2018-06-11T01:53:11.382+0000: 1396138.752: Total time for which application threads were stopped: 0.0083760 seconds, Stopping threads took: 0.0000702 seconds");
    assert_eq!(get(&f, "logger").unwrap(), "gc");
    assert_eq!(get(&f, "uptime_s").unwrap(), "1396138.752");
    assert_eq!(get(&f, "duration_ms").unwrap(), "8.376");
    assert!(get(&f, "message")
        .unwrap()
        .starts_with("Total time for which"));
    // Another number after the time is no JVM uptime.
    let f = fields("2026-11-30T14:01:02.123+0000: 42: job finished");
    assert!(get(&f, "uptime_s").is_none());
}

#[test]
fn django_verbose_dbt_squid_sonar_freeswitch_phoenix_rsync() {
    let f = fields(
        "ERROR 2026-11-30 14:01:02,123 log 1234 140123456789 Internal Server Error: /api/orders/17",
    );
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(get(&f, "logger").unwrap(), "log");
    assert_eq!(get(&f, "pid").unwrap(), "1234");
    assert_eq!(get(&f, "tid").unwrap(), "140123456789");
    assert_eq!(
        get(&f, "message").unwrap(),
        "Internal Server Error: /api/orders/17"
    );
    let f = fields("14:01:03  1 of 12 START sql table model analytics.orders ... [RUN]");
    assert!(get(&f, "pid").is_none());
    assert!(get(&f, "message").unwrap().starts_with("1 of 12 START"));
    let f = fields(
        "2026/11/30 14:01:03 kid1| WARNING: Could not determine this machines public hostname.",
    );
    assert_eq!(get(&f, "process").unwrap(), "kid1");
    assert_eq!(get(&f, "level").unwrap(), "WARN");
    let f = fields(
        "2026.11.30 14:01:03 ERROR web[][o.s.s.p.Platform] Background initialization failed",
    );
    assert_eq!(get(&f, "process").unwrap(), "web");
    assert_eq!(get(&f, "logger").unwrap(), "o.s.s.p.Platform");
    assert_eq!(
        get(&f, "message").unwrap(),
        "Background initialization failed"
    );
    let f = fields("2026-11-30 14:01:03.456789 [ERR] mod_sofia.c:2345 Error Creating Session");
    assert_eq!(get(&f, "logger").unwrap(), "mod_sofia.c:2345");
    assert_eq!(get(&f, "message").unwrap(), "Error Creating Session");
    let f = fields("14:01:02.456 request_id=Fxyz123 [error] Sent 500 in 12ms");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(get(&f, "request_id").unwrap(), "Fxyz123");
    assert_eq!(get(&f, "message").unwrap(), "Sent 500 in 12ms");
    let f = fields(
        "2026/11/30 14:01:03 [1234] rsync error: some files/attrs were not transferred (code 23)",
    );
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    let f = fields("11-30-2026 14:01:03.456 +0000 ERROR TcpOutputFd [1234 TcpOutEloop] - Connection to host=10.0.0.1:9997 failed");
    assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:03.456+00:00");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    // OpenLDAP counts operations: `op=1` is no operation's name.
    let f = fields("2026-11-30 14:01:02 conn=1000 op=1 RESULT tag=97 err=49 text=");
    assert!(get(&f, "op").is_none());
}

#[test]
fn telegraf_monit_and_twisted() {
    let f = fields("2026-11-30T14:01:03Z E! [inputs.docker] Error in plugin: permission denied");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(get(&f, "logger").unwrap(), "inputs.docker");
    assert_eq!(
        get(&f, "message").unwrap(),
        "Error in plugin: permission denied"
    );
    let f = fields("[UTC Nov 30 14:01:03] error    : 'nginx' process is not running");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:03+00:00");
    assert_eq!(
        get(&f, "message").unwrap(),
        "'nginx' process is not running"
    );
    assert!(get(&f, "prefix").is_none());
    let f = fields("[CET Nov 30 14:01:03] info     : Starting Monit");
    assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:03+01:00");
    let f = fields("2026-11-30 14:01:02+0000 [-] Log opened.");
    assert_eq!(get(&f, "message").unwrap(), "Log opened.");
    assert!(get(&f, "thread").is_none());
    // PostgreSQL's `LOG` stays a level.
    let f = fields("2026-11-30 14:01:03.456 UTC [987] LOG:  checkpoint starting: time");
    assert_eq!(get(&f, "level").unwrap(), "INFO");
}

/// Every layout above, cut anywhere and with a two-byte and a three-byte character put
/// anywhere: no panic (a byte index inside a character would be one).
#[test]
fn every_cut_and_every_wide_character_is_survived() {
    let lines = [
        "2026-11-30 14:01:02 UTC:10.0.0.5(54321):app@shop:[1234]:ERROR:  duplicate key",
        "2026-11-30 14:01:02 UTC-6571a1b2.4d2-LOG:  connection received",
        "2026-11-30 14:01:02,123:ERROR:certbot._internal.error_handler:Encountered",
        "2026-11-30 14:01:03.456:WARN:oejs.HttpChannel:qtp1234567-56: /api/orders",
        "2026-11-30 14:01:03,456 - url_helper.py[WARNING]: Calling",
        "2026-11-30 14:01:03.456789 W | etcdserver: read-only range request",
        "30-Nov-2026 14:01:02.123 queries: info: client (example.com): query: example.com IN A +E(0)K",
        "2026-11-30 14:01:03 1nAgOH-0005uW-Ga ** bob@example.org R=dnslookup",
        "000125: *Nov 30 14:01:05.001: %SEC-6-IPACCESSLOGP: list 101 denied",
        "2026-11-30 14:01:04.789012: E tensorflow/cuda_driver.cc:268] failed call",
        "[2026-11-30 14:01:03.456789 +0000] E [MSGID: 106118] [glusterd-handler.c:123:op] 0-management: x",
        "[error] 2026-11-30T14:01:03.456789Z couchdb@127.0.0.1 <0.456.0> -------- Could not open",
        "[Nov 30 14:01:03] WARNING[1235][C-00000001]: app_dial.c:1234 dial_exec_full: Unable",
        "2026-11-30T14:01:03.456+0000: 13.678: [Full GC (Ergonomics) [PSYoungGen: 512K->0K(2048K)], 0.1234567 secs]",
        "ERROR 2026-11-30 14:01:02,123 log 1234 140123456789 Internal Server Error",
        "2026.11.30 14:01:03 ERROR web[][o.s.s.p.Platform] Background",
        "2026-11-30T14:01:03Z E! [inputs.docker] Error in plugin",
        "[UTC Nov 30 14:01:03] error    : 'nginx' process is not running",
        "[2026.11.30-14.01.03:789][ 12]LogNet: Warning: UNetConnection::Tick: Connection TIMED OUT",
        "ERROR[11-30|14:01:04.789] Failed to journal state snapshot          err=x",
        "11-30-2026 14:01:03.456 +0000 ERROR TcpOutputFd [1234 TcpOutEloop] - Connection failed",
        "0|api      | 2026-11-30T14:01:03: Error: connect ECONNREFUSED",
        "2026/11/30 14:01:03.4567890 1234  5678  Agent          * WARNING: Exit code",
    ];
    let parser = super::super::tests::parser();
    for line in lines {
        for (cut, _) in line.char_indices() {
            let _ = parser.parse(&line[..cut]);
            for wide in ["é", "€"] {
                let widened = format!("{}{wide}{}", &line[..cut], &line[cut..]);
                let _ = parser.parse(&widened);
                let _ = parser.parse_payload(&widened);
            }
        }
    }
}
