use super::*;
use crate::ingest::text::YearHint;

fn times() -> TextParser {
    TextParser {
        years: YearHint {
            year: Some(2024),
            reference_micros: 0,
        },
        dates: Default::default(),
    }
}

fn get<'a>(fields: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
    fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

#[test]
fn a_level_opening_the_message_when_no_pri_gives_one() {
    let level = |line: &str| {
        let f = parse_syslog(line, &times()).unwrap();
        get(&f, "level").and_then(Value::as_str).map(str::to_string)
    };
    let postfix = "Nov 30 14:01:05 mail postfix/smtpd[812]: warning: hostname x does not resolve";
    assert_eq!(level(postfix).as_deref(), Some("WARN"));
    let sshd = "Nov 30 14:01:05 web-1 sshd[9]: error: kex_exchange_identification: closed";
    assert_eq!(level(sshd).as_deref(), Some("ERROR"));
    // The PRI's severity stays the level.
    assert_eq!(level(&format!("<14>{postfix}")).as_deref(), Some("INFO"));
    assert_eq!(
        level("Nov 30 14:01:05 mail postfix/smtpd[812]: connect from x"),
        None
    );
}

#[test]
fn rfc3164_with_and_without_pri() {
    let f = parse_syslog(
        "<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "level"), Some(&Value::from("FATAL")));
    assert_eq!(get(&f, "facility"), Some(&Value::from("auth")));
    assert_eq!(get(&f, "ts"), Some(&Value::from("2024-10-11T22:14:15")));
    assert_eq!(get(&f, "host"), Some(&Value::from("mymachine")));
    assert_eq!(get(&f, "service"), Some(&Value::from("su")));
    assert_eq!(get(&f, "pid"), Some(&Value::from(230)));
    assert_eq!(
        get(&f, "message"),
        Some(&Value::from("'su root' failed for lonvick on /dev/pts/8"))
    );
    let f = parse_syslog(
        "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "service"), Some(&Value::from("sshd(pam_unix)")));
    assert_eq!(
        get(&f, "message"),
        Some(&Value::from("check pass; user unknown"))
    );
    assert_eq!(get(&f, "level"), None);
}

#[test]
fn cisco_drain_and_iso_lines_cut_anywhere_say_why() {
    for line in [
        "<163>Nov 30 2026 14:01:03: %ASA-3-710003: TCP access denied",
        "156 <158>1 2026-11-30T14:01:03.123+00:00 host heroku router - at=info",
        "2026-11-30T14:01:02+0000 wéb-1 sshd[812]: Failed password",
    ] {
        for (cut, _) in line.char_indices() {
            let _ = parse_syslog(&line[..cut], &times());
        }
    }
}

#[test]
fn cisco_and_journalctl_iso() {
    let f = parse_syslog(
        "<163>Nov 30 2026 14:01:03: %ASA-3-710003: TCP access denied by ACL from 1.2.3.4/5555",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "service").unwrap(), "ASA");
    assert_eq!(get(&f, "mnemonic").unwrap(), "710003");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(
        get(&f, "message").unwrap(),
        "TCP access denied by ACL from 1.2.3.4/5555"
    );
    assert!(get(&f, "host").is_none());
    let f = parse_syslog(
        "Nov 30 14:01:03 core-1 %LINK-3-UPDOWN: Interface Gi0/1, changed state to down",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "host").unwrap(), "core-1");
    assert_eq!(get(&f, "service").unwrap(), "LINK");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    let f = parse_syslog(
        "2026-11-30T14:01:02+0000 web-1 sshd[812]: Failed password for root",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "service").unwrap(), "sshd");
    assert_eq!(get(&f, "host").unwrap(), "web-1");
    let f = parse_syslog(
        "2026-11-30 14:01:03+00 mac-1 installd[456]: PackageKit: Install Failed",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "service").unwrap(), "installd");
    assert_eq!(get(&f, "host").unwrap(), "mac-1");
    // With no zone such a time is an application's, not a syslog daemon's.
    assert!(parse_syslog("2026-11-30 14:01:03 mac-1 installd[456]: x", &times()).is_err());
}

#[test]
fn a_program_path_names_the_program_postfix_keeps_its_name() {
    let f = parse_syslog(
        "Nov 30 14:01:02 sip-1 /usr/sbin/kamailio[1234]: ERROR: tm failed",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "service").unwrap(), "kamailio");
    let f = parse_syslog(
        "Nov 30 14:01:02 mail-1 postfix/smtpd[1234]: warning: hostname does not resolve",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "service").unwrap(), "postfix/smtpd");
}

#[test]
fn heroku_cli_sources_and_dynos() {
    let f = parse_syslog(
        "2026-11-30T14:01:04.000000+00:00 app[worker.1]: Error: job 17 failed",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "service").unwrap(), "app");
    assert_eq!(get(&f, "instance").unwrap(), "worker.1");
    let f = parse_syslog("2026-11-30T14:01:03.456789+00:00 heroku[router]: at=error code=H12 status=503 service=30000ms", &times()).unwrap();
    assert_eq!(get(&f, "service").unwrap(), "heroku");
    assert_eq!(get(&f, "instance").unwrap(), "router");
}

#[test]
fn dovecot_process_user_pid_and_session() {
    let f = parse_syslog(
        "Nov 30 14:01:03 imap(bob)<1234><abcdef>: Error: Mailbox INBOX: Corrupted index cache file",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "service").unwrap(), "imap");
    assert_eq!(get(&f, "user").unwrap(), "bob");
    assert_eq!(get(&f, "pid").unwrap(), 1234);
    assert_eq!(get(&f, "session").unwrap(), "abcdef");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert!(get(&f, "host").is_none());
    let f = parse_syslog(
        "Nov 30 14:01:03 mail-1 dovecot: imap-login: Login: user=<bob>",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "service").unwrap(), "dovecot");
}

#[test]
fn cisco_ios_relayed_with_its_sequence_numbers_and_time() {
    for (line, service, level) in [
        ("Nov 30 14:01:02 10.0.0.1 123: *Nov 30 14:01:02.123: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down", "LINK", "ERROR"),
        ("Nov 30 14:01:04 core-sw1 125: 000125: Nov 30 14:01:04 UTC: %SEC-6-IPACCESSLOGP: list 101 denied tcp", "SEC", "INFO"),
        ("<189>124: core-sw1: .Nov 30 14:01:03.456 UTC: %SYS-5-CONFIG_I: Configured from console", "SYS", "INFO"),
    ] {
        let f = parse_syslog(line, &times()).unwrap();
        assert_eq!(get(&f, "service").unwrap(), service, "{line}");
        assert_eq!(get(&f, "level").unwrap(), level, "{line}");
        let message = get(&f, "message").unwrap();
        assert!(!message.as_str().unwrap().contains('%'), "{f:?}");
    }
    // A numbered tag with no device header after it stays the tag.
    let f = parse_syslog("Nov 30 14:01:02 host 123: plain words", &times()).unwrap();
    assert_eq!(get(&f, "service").unwrap(), "123");
}

#[test]
fn events_start_at_a_pri_a_frame_or_a_time() {
    for line in [
        "<34>Oct 11 22:14:15 host su[230]: failed",
        "156 <158>1 2026-11-30T14:01:02Z host app - - - msg",
        "Dec 13 11:35:28 host agent[21412]: Checking for updates <KSUpdateEngine:0x1",
        "2018-08-14T14:30:02.203151+02:00 linux-sqrz systemd[4179]: Stopped",
    ] {
        assert!(starts_syslog_event(line.as_bytes()), "{line}");
    }
    for line in [
        "\t\tticketStore=<KSPersistentTicketStore:0x100204520",
        "\t>",
        "  at x",
    ] {
        assert!(!starts_syslog_event(line.as_bytes()), "{line}");
    }
    // The joined event reads as one message.
    let f = parse_syslog(
        "Dec 13 11:35:28 host agent[21412]: Checking <KSUpdateEngine:0x1\n\t\tlocked=NO\n\t>",
        &times(),
    )
    .unwrap();
    assert_eq!(
        get(&f, "message"),
        Some(&Value::from(
            "Checking <KSUpdateEngine:0x1\n\t\tlocked=NO\n\t>"
        ))
    );
}

#[test]
fn macos_tags() {
    let f = parse_syslog(
        "Jul  1 09:07:42 calvisitor-10-105-160-95 com.apple.xpc.launchd[1] (com.apple.quicklook[36386]): Service exited due to SIGKILL | sent by mds[51]",
        &times(),
    )
    .unwrap();
    assert_eq!(
        get(&f, "host"),
        Some(&Value::from("calvisitor-10-105-160-95"))
    );
    assert_eq!(
        get(&f, "service"),
        Some(&Value::from("com.apple.xpc.launchd"))
    );
    assert_eq!(get(&f, "pid"), Some(&Value::from(1)));
    assert_eq!(
        get(&f, "sender"),
        Some(&Value::from("com.apple.quicklook[36386]"))
    );
    assert_eq!(
        get(&f, "message"),
        Some(&Value::from(
            "Service exited due to SIGKILL | sent by mds[51]"
        ))
    );
    let f = parse_syslog(
        "Jul  1 09:08:16 calvisitor-10-105-160-95 Google Chrome Helper[36514]: Couldn't set selectedTextBackgroundColor from default ()",
        &times(),
    )
    .unwrap();
    assert_eq!(
        get(&f, "service"),
        Some(&Value::from("Google Chrome Helper"))
    );
    assert_eq!(get(&f, "pid"), Some(&Value::from(36514)));
    assert_eq!(
        get(&f, "message"),
        Some(&Value::from(
            "Couldn't set selectedTextBackgroundColor from default ()"
        ))
    );
    // Words without a `[pid]:` after them are not a tag.
    assert!(parse_syslog("Jul  1 09:08:16 host some words here: x", &times()).is_err());
    assert!(parse_syslog("Jul  1 09:08:16 host words 1: x", &times()).is_err());
    // sysklogd names itself with its version; login's tag starts with dashes.
    for (line, service, pid, message) in [
        (
            "Jun 19 04:09:11 combo syslogd 1.4.1: restart.",
            "syslogd 1.4.1",
            None,
            "restart.",
        ),
        (
            "Jul  7 08:06:15 combo  -- root[2421]: ROOT LOGIN ON tty2",
            "-- root",
            Some(2421),
            "ROOT LOGIN ON tty2",
        ),
        (
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown",
            "sshd(pam_unix)",
            Some(19939),
            "check pass; user unknown",
        ),
    ] {
        let f = parse_syslog(line, &times()).unwrap();
        assert_eq!(get(&f, "host"), Some(&Value::from("combo")), "{line}");
        assert_eq!(get(&f, "service"), Some(&Value::from(service)), "{line}");
        assert_eq!(get(&f, "pid").cloned(), pid.map(Value::from), "{line}");
        assert_eq!(get(&f, "message"), Some(&Value::from(message)), "{line}");
    }
    // hclog's bracketed level is not a host: the line is the text layouts'.
    let hclog = "2026-11-30T14:01:02.123Z [ERROR] agent.client: RPC failed";
    assert!(parse_syslog(hclog, &times()).is_err());
}

#[test]
fn rfc5424_with_structured_data() {
    let f = parse_syslog(
        r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] An application event log entry..."#,
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "level"), Some(&Value::from("INFO")));
    assert_eq!(get(&f, "facility"), Some(&Value::from("local4")));
    assert_eq!(
        get(&f, "ts"),
        Some(&Value::from("2003-10-11T22:14:15.003Z"))
    );
    assert_eq!(get(&f, "service"), Some(&Value::from("evntslog")));
    assert_eq!(get(&f, "pid"), None);
    assert_eq!(get(&f, "msgid"), Some(&Value::from("ID47")));
    let sd = get(&f, "sd").unwrap();
    assert_eq!(sd["exampleSDID@32473"]["eventID"], "1011");
    assert_eq!(sd["examplePriority@32473"]["class"], "high");
    assert_eq!(
        get(&f, "message"),
        Some(&Value::from("An application event log entry..."))
    );
}

#[test]
fn hostile_syslog_lines_say_what_is_wrong() {
    let e = parse_syslog("<999>Oct 11 22:14:15 host app: x", &times()).unwrap_err();
    assert!(e.contains("PRI"), "{e}");
    let e = parse_syslog("<13>Feb 30 22:14:15 host app: x", &times()).unwrap_err();
    assert!(e.contains("timestamp"), "{e}");
    let e = parse_syslog(
        r#"<13>1 2003-10-11T22:14:15Z h a - - [id p="never closed"#,
        &times(),
    )
    .unwrap_err();
    assert!(e.contains("never closed"), "{e}");
    let e = parse_syslog("<13>1 - h a - - - no time", &times()).unwrap_err();
    assert!(e.contains("no timestamp"), "{e}");
}

#[test]
fn cisco_dovecot_heroku_and_paths_cut_anywhere_and_widened() {
    for line in [
        "Nov 30 14:01:02 10.0.0.1 123: *Nov 30 14:01:02.123: %LINK-3-UPDOWN: Interface Gi0/1",
        "<189>124: core-sw1: .Nov 30 14:01:03.456 UTC: %SYS-5-CONFIG_I: Configured",
        "Nov 30 14:01:03 imap(bob)<1234><abcdef>: Error: Mailbox INBOX",
        "2026-11-30T14:01:04.000000+00:00 app[worker.1]: Error: job 17 failed",
        "Nov 30 14:01:02 sip-1 /usr/sbin/kamailio[1234]: ERROR: tm failed",
        "2026-11-30 14:01:03+00 mac-1 installd[456]: PackageKit: Install Failed",
    ] {
        for (cut, _) in line.char_indices() {
            let _ = parse_syslog(&line[..cut], &times());
            let widened = format!("{}€{}", &line[..cut], &line[cut..]);
            let _ = parse_syslog(&widened, &times());
        }
    }
}

#[test]
fn busybox_facility_and_severity_before_the_tag() {
    let fields = parse_syslog(
        "Nov 30 14:01:02 router daemon.err dnsmasq[1234]: failed to bind",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&fields, "host").unwrap(), "router");
    assert_eq!(get(&fields, "level").unwrap(), "ERROR");
    assert_eq!(get(&fields, "service").unwrap(), "dnsmasq");
    assert_eq!(get(&fields, "message").unwrap(), "failed to bind");
    // With a PRI, the PRI's severity is the level.
    let fields = parse_syslog(
        "<30>Nov 30 14:01:02 router user.notice root: hello",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&fields, "level").unwrap(), "INFO");
    assert_eq!(get(&fields, "service").unwrap(), "root");
}

#[test]
fn a_number_after_the_time_is_no_tag() {
    // libvirt's thread: its lines are text, not syslog.
    let line = "2026-11-30 14:01:02.123+0000: 1234: info : libvirt version: 8.0.0";
    assert!(parse_syslog(line, &times()).is_err());
}

#[test]
fn meraki_pairs_where_rfc5424_has_its_process() {
    let f = parse_syslog(
        "<134>1 1764511262.123456789 MX84 flows src=10.0.0.5 dst=93.184.216.34 protocol=tcp pattern: allow all",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "host").unwrap(), "MX84");
    assert_eq!(get(&f, "service").unwrap(), "flows");
    assert!(get(&f, "pid").is_none());
    assert_eq!(
        get(&f, "message").unwrap(),
        "src=10.0.0.5 dst=93.184.216.34 protocol=tcp pattern: allow all"
    );
    assert_eq!(get(&f, "dst").unwrap(), "93.184.216.34");
    let f = parse_syslog("<134>1 1764511262.1 MX84 urls src=1", &times()).unwrap();
    assert_eq!(get(&f, "message").unwrap(), "src=1");
}

#[test]
fn routeros_topics_and_unifi_hosts() {
    let f = parse_syslog(
        "Nov 30 14:01:03 MikroTik system,error,critical login failure for user admin via ssh",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "host").unwrap(), "MikroTik");
    assert_eq!(get(&f, "service").unwrap(), "system");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(
        get(&f, "message").unwrap(),
        "login failure for user admin via ssh"
    );
    // Words with commas that name no level are no topics.
    assert!(parse_syslog("Nov 30 14:01:03 host a,b c", &times()).is_err());
    let f = parse_syslog(
        "Nov 30 14:01:02 U7PG2,18e8297e1234,v4.3.28.11361: hostapd: ath0: STA associated",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "host").unwrap(), "U7PG2,18e8297e1234,v4.3.28.11361");
    assert_eq!(get(&f, "service").unwrap(), "hostapd");
}

/// An application's own line relayed by syslog: its time (with the year), level, thread and
/// logger win; the wrapper's time is kept. Words that merely open with a number stay a message.
#[test]
fn an_applications_own_line_relayed_by_syslog() {
    let f = parse_syslog(
        "<14>Nov 30 14:01:02 web-1 shop[123]: 2021-11-30 14:01:02,123 ERROR [main] c.a.Checkout - payment failed",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "level"), Some(&Value::from("ERROR")));
    assert_eq!(get(&f, "thread"), Some(&Value::from("main")));
    assert_eq!(get(&f, "logger"), Some(&Value::from("c.a.Checkout")));
    assert_eq!(get(&f, "message"), Some(&Value::from("payment failed")));
    assert_eq!(get(&f, "service"), Some(&Value::from("shop")));
    assert_eq!(get(&f, "host"), Some(&Value::from("web-1")));
    let ts = get(&f, "ts").unwrap().to_string();
    assert!(ts.contains("2021-11-30"), "{ts}");
    assert!(get(&f, "syslog_time").is_some());
    let f = parse_syslog(
        "1 2026-11-30T14:01:02.5Z web-1 shop 123 - - 2026-11-30 14:01:02.499 WARN 123 --- [main] c.a.Pay : slow",
        &times(),
    )
    .unwrap();
    assert_eq!(get(&f, "level"), Some(&Value::from("WARN")));
    assert_eq!(get(&f, "message"), Some(&Value::from("slow")));
    for message in [
        "2026 was a good year",
        "2026-11-30 backup done",
        "404 not found",
        "2016-12-13 11:35:28.419 GoogleSoftwareUpdateAgent[21412/0x7000] [lvl=2] Finished",
    ] {
        let f = parse_syslog(
            &format!("Nov 30 14:01:02 web-1 cron[9]: {message}"),
            &times(),
        )
        .unwrap();
        assert_eq!(get(&f, "message"), Some(&Value::from(message)), "{message}");
        assert!(get(&f, "syslog_time").is_none());
    }
}

#[test]
fn a_message_s_own_level_when_no_pri_gives_one() {
    for (message, level) in [
        // Python's `logging` default, as a service under systemd leaves it.
        ("ERROR:root:payment failed", Some("ERROR")),
        ("WARNING:urllib3.connectionpool:Retrying", Some("WARN")),
        ("[ERROR] payment failed", Some("ERROR")),
        ("[warn] retrying", Some("WARN")),
        ("error: kex_exchange_identification: closed", Some("ERROR")),
        // Not levels: a word in brackets, capitals that name no level, lower levels.
        ("[pid 12] ERRORS counted: 3", None),
        ("[main] started", None),
        ("INFO:root:started", None),
        ("HTTP:1.1 upgrade", None),
    ] {
        let line = format!("Nov 30 14:01:02 web-1 shop[123]: {message}");
        let f = parse_syslog(&line, &times()).unwrap();
        let got = get(&f, "level").and_then(Value::as_str);
        assert_eq!(got, level, "{message}");
    }
}
