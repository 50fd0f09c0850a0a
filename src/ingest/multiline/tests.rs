use super::*;

fn starts_with_digit(content: &[u8]) -> bool {
    content.first().is_some_and(u8::is_ascii_digit)
}

/// Groups `text` line by line; (first line number, line count, content, reject?) per event,
/// and "blank" for blank lines, plus what stays held when `hold`.
fn group(text: &str, joining: Joining, limits: Limits, hold: bool) -> (Vec<String>, Option<u64>) {
    group_by(text, joining, limits, hold, Box::new(starts_with_digit))
}

fn group_by(
    text: &str,
    joining: Joining,
    limits: Limits,
    hold: bool,
    starts: StartsEvent,
) -> (Vec<String>, Option<u64>) {
    let mut grouper = Grouper::new(joining, limits, starts);
    let mut out = Vec::new();
    let mut offset = 0u64;
    for (i, line) in text.split('\n').enumerate() {
        let content = line.strip_suffix('\r').unwrap_or(line);
        grouper.push(
            LineIn {
                bytes: line.as_bytes(),
                content: content.as_bytes(),
                number: i as u64 + 1,
                offset,
                reject: None,
            },
            &mut out,
        );
        offset += line.len() as u64 + 1;
    }
    let held = if hold {
        grouper.finish_holding(&mut out).map(|(number, _)| number)
    } else {
        grouper.finish(&mut out);
        None
    };
    let shown = out
        .into_iter()
        .map(|g| match g {
            Grouped::Blank => "blank".to_string(),
            Grouped::Event(g) => format!(
                "{}+{} {:?}{}",
                g.number,
                g.line_count,
                String::from_utf8(g.content).unwrap(),
                if g.reject.is_some() { " reject" } else { "" }
            ),
        })
        .collect();
    (shown, held)
}

#[test]
fn stack_traces_join_their_event() {
    let text = "1 ERROR boom\n\tat a.B.c(B.java:1)\nCaused by: x.Y\n\t... 3 more\n2 INFO next";
    let (got, _) = group(text, Joining::TimestampStarts, Limits::default(), false);
    assert_eq!(
        got,
        [
            "1+4 \"1 ERROR boom\\n\\tat a.B.c(B.java:1)\\nCaused by: x.Y\\n\\t... 3 more\"",
            "5+1 \"2 INFO next\"",
        ]
    );
}

#[test]
fn blank_lines_inside_an_event_belong_to_it_and_before_the_next_are_blank() {
    let text = "1 panic: x\n\ngoroutine 1 [running]:\nmain.main()\n\n\n2 next";
    let (got, _) = group(text, Joining::TimestampStarts, Limits::default(), false);
    assert_eq!(
        got,
        [
            "1+4 \"1 panic: x\\n\\ngoroutine 1 [running]:\\nmain.main()\"",
            "blank",
            "blank",
            "7+1 \"2 next\"",
        ]
    );
    // A blank line of spaces inside an event keeps its bytes (`\r` only in `raw`).
    let text = "1 trace:\n   \r\n\tat a.B(B.java:1)";
    let mut grouper = Grouper::new(
        Joining::TimestampStarts,
        Limits::default(),
        Box::new(starts_with_digit),
    );
    let mut out = Vec::new();
    let mut offset = 0;
    for (i, line) in text.split('\n').enumerate() {
        let content = line.strip_suffix('\r').unwrap_or(line);
        let number = i as u64 + 1;
        let (bytes, content) = (line.as_bytes(), content.as_bytes());
        grouper.push(
            LineIn {
                bytes,
                content,
                number,
                offset,
                reject: None,
            },
            &mut out,
        );
        offset += line.len() as u64 + 1;
    }
    grouper.finish(&mut out);
    let Some(Grouped::Event(event)) = out.first() else {
        panic!("{out:?}");
    };
    assert_eq!(event.raw, text.as_bytes());
    assert_eq!(event.content, b"1 trace:\n   \n\tat a.B(B.java:1)");
}

#[test]
fn a_file_starting_mid_trace_and_events_over_the_limit_are_rejects() {
    let text = "\tat a\n\tat b\n1 start\nx\ny\nz";
    let limits = Limits {
        max_lines: 2,
        max_bytes: 1 << 20,
    };
    let (got, _) = group(text, Joining::TimestampStarts, limits, false);
    assert_eq!(
        got,
        [
            "1+2 \"\\tat a\\n\\tat b\" reject",
            "3+2 \"1 start\\nx\"",
            "5+2 \"y\\nz\" reject",
        ]
    );
    let limits = Limits {
        max_lines: 100,
        max_bytes: 13,
    };
    let (got, _) = group(
        "1 abcdef\nghij\nklmnop",
        Joining::TimestampStarts,
        limits,
        false,
    );
    assert_eq!(got, ["1+2 \"1 abcdef\\nghij\"", "3+1 \"klmnop\" reject"]);
}

#[test]
fn crlf_stays_in_raw_and_leaves_content() {
    let mut grouper = Grouper::new(
        Joining::TimestampStarts,
        Limits::default(),
        Box::new(starts_with_digit),
    );
    let mut out = Vec::new();
    for (i, line) in ["1 a\r", " b\r"].iter().enumerate() {
        grouper.push(
            LineIn {
                bytes: line.as_bytes(),
                content: line.strip_suffix('\r').unwrap().as_bytes(),
                number: i as u64 + 1,
                offset: 0,
                reject: None,
            },
            &mut out,
        );
    }
    grouper.finish(&mut out);
    let Grouped::Event(g) = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(g.raw, b"1 a\r\n b\r");
    assert_eq!(g.content, b"1 a\n b");
}

#[test]
fn the_last_event_of_a_growing_file_is_held() {
    let (got, held) = group(
        "1 a\n2 b\n  more",
        Joining::TimestampStarts,
        Limits::default(),
        true,
    );
    assert_eq!(got, ["1+1 \"1 a\""]);
    assert_eq!(held, Some(2));
}

#[test]
fn cri_partials_join_up_to_their_full_line() {
    let text = "t stdout P abc\nt stdout P def\nt stdout F ghi\nt stdout F next\nt stdout P never";
    let (got, _) = group(
        text,
        Joining::ContainerRecords(Runtime::Cri),
        Limits::default(),
        false,
    );
    assert_eq!(
        got,
        [
            "1+3 \"t stdout P abc\\nt stdout P def\\nt stdout F ghi\"",
            "4+1 \"t stdout F next\"",
            "5+1 \"t stdout P never\"",
        ]
    );
}

/// Each group's first line and line count (`3+2`).
fn spans(got: &[String]) -> Vec<String> {
    got.iter()
        .map(|g| g.split(' ').next().unwrap().to_string())
        .collect()
}

/// `text` grouped as a `lines` source groups it: its spans, and the groups shown.
fn spans_in_lines(text: &str) -> (Vec<String>, Vec<String>) {
    let starts = Box::new(crate::ingest::text::untimed::starts_plain_event);
    let (got, _) = group_by(
        text,
        Joining::TimestampStarts,
        Limits::default(),
        false,
        starts,
    );
    (spans(&got), got)
}

/// Where every unindented line starts an event (`lines`), a Python traceback still ends with
/// its exception's line and chains to the next traceback.
#[test]
fn python_tracebacks_keep_their_exception_line_and_chain() {
    let text = "starting\n\
                Traceback (most recent call last):\n  File \"a.py\", line 3, in <module>\n    f()\n\
                KeyError: 'id'\n\n\
                During handling of the above exception, another exception occurred:\n\n\
                Traceback (most recent call last):\n  File \"a.py\", line 5, in <module>\n\
                requests.exceptions.ConnectionError: refused\n\
                Done: 3 jobs\n\
                Traceback (most recent call last):\n  File \"b.py\", line 1, in <module>\n\
                KeyboardInterrupt\n\
                ValueError: not after frames";
    let (firsts, got) = spans_in_lines(text);
    // 1 alone; the chained tracebacks (lines 2-11); `Done:` follows no frames; the interrupted
    // run's traceback (13-15); a line like an exception's after no frames starts an event.
    assert_eq!(firsts, ["1+1", "2+10", "12+1", "13+3", "16+1"], "{got:#?}");
}

/// Where every unindented line starts an event (`lines`), a Go panic's dump stays one event:
/// its goroutines, each frame's function and file, and the exit status.
#[test]
fn go_panics_keep_their_goroutine_dump() {
    let text = "listening on :8080\n\
                panic: runtime error: invalid memory address or nil pointer dereference\n\
                [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x48f3a1]\n\n\
                goroutine 1 [running]:\n\
                main.(*Server).handle(0x0, {0x6d4f20, 0xc000012345})\n\
                \t/app/server.go:42 +0x21\n\
                main.main()\n\
                \t/app/main.go:12 +0x1d\n\
                exit status 2\n\
                restarting (attempt 2)\n\
                main.main()";
    let (firsts, got) = spans_in_lines(text);
    // The dump (lines 2-10) is one event; prose after it starts one, and so does a line like
    // a frame's with no panic before it.
    assert_eq!(firsts, ["1+1", "2+9", "11+1", "12+1"], "{got:#?}");
}

/// A container's stack trace arrives as one CRI record per line: its records join the event
/// they continue, from the same stream within a second.
#[test]
fn stack_traces_in_cri_records_join_their_event() {
    let t = |s: u32| format!("2026-11-30T14:01:{s:02}.100000000Z");
    let text = [
        format!(
            "{} stdout F 2026-11-30 14:01:02.123 ERROR main c.a.Checkout : payment failed",
            t(2)
        ),
        format!(
            "{} stdout F java.lang.IllegalStateException: pool exhausted",
            t(2)
        ),
        format!("{} stdout F \tat com.acme.Pool.get(Pool.java:42)", t(2)),
        format!(
            "{} stdout F Caused by: java.net.SocketTimeoutException",
            t(2)
        ),
        format!("{} stderr F \tat on another stream", t(2)),
        format!("{} stdout F {{\"level\":\"info\",\"msg\":\"json\"}}", t(3)),
        format!("{} stdout F Traceback (most recent call last):", t(4)),
        format!("{} stdout P   File \"a.py\", line 3,", t(4)),
        format!("{} stdout F  in <module>", t(4)),
        format!("{} stdout F ValueError: boom", t(4)),
        format!("{} stdout F \tindented, but seconds later", t(9)),
        format!(
            "{} stdout F 2026-11-30 14:01:09.000 INFO main c.a.Checkout : ok",
            t(9)
        ),
    ]
    .join("\n");
    let (got, _) = group(
        &text,
        Joining::ContainerRecords(Runtime::Cri),
        Limits::default(),
        false,
    );
    let firsts = spans(&got);
    assert_eq!(
        firsts,
        ["1+4", "5+1", "6+1", "7+4", "11+1", "12+1"],
        "{got:#?}"
    );
}

/// Docker's json-file driver writes the same: a record per line of output, and a line longer
/// than 16 KiB as records whose `log` has no final newline.
#[test]
fn docker_records_join_partial_lines_and_stack_traces() {
    let record = |log: &str, stream: &str, second: u32| {
        let time = format!("2026-11-30T14:01:{second:02}.100000000Z");
        serde_json::json!({"log": log, "stream": stream, "time": time}).to_string()
    };
    let long = "x".repeat(16 * 1024);
    let text = [
        record(
            "2026-11-30 14:01:02.123 ERROR [main] c.a.Checkout - payment failed\n",
            "stdout",
            2,
        ),
        record(
            "java.lang.IllegalStateException: pool exhausted\n",
            "stdout",
            2,
        ),
        record("\tat com.acme.Pool.get(Pool.java:42)\n", "stdout", 2),
        record("{\"level\":\"info\",\"msg\":\"", "stdout", 3),
        record(&long, "stdout", 3),
        record("\"}\n", "stdout", 3),
        record("\tat on another stream\n", "stderr", 3),
        record("not a docker record", "stdout", 3).replace("\"log\"", "\"msg\""),
        record(
            "2026-11-30 14:01:09.000 INFO [main] c.a.Checkout - ok\n",
            "stdout",
            9,
        ),
        record("\tindented, seconds after\n", "stdout", 14),
    ]
    .join("\n");
    let (got, _) = group(
        &text,
        Joining::ContainerRecords(Runtime::Docker),
        Limits::default(),
        false,
    );
    assert_eq!(
        spans(&got),
        ["1+3", "4+3", "7+1", "8+1", "9+1", "10+1"],
        "{got:#?}"
    );
}

#[test]
fn python_tracebacks_relayed_by_syslog_join_their_event() {
    // A service under systemd: each line of its traceback a syslog line of its own.
    let text = "Nov 30 14:01:02 web-1 shop[123]: ERROR:root:payment failed\n\
        Nov 30 14:01:02 web-1 shop[123]: Traceback (most recent call last):\n\
        Nov 30 14:01:02 web-1 shop[123]:   File \"/app/pay.py\", line 12, in charge\n\
        Nov 30 14:01:02 web-1 shop[123]:     raise ValueError(\"card declined\")\n\
        Nov 30 14:01:02 web-1 shop[123]: ValueError: card declined\n\
        Nov 30 14:01:03 web-1 shop[123]: INFO:root:next order\n\
        Nov 30 14:01:04 web-1 cron[9]:   indented words, no traceback before them";
    let (got, _) = group_by(
        text,
        Joining::SyslogMessages,
        Limits::default(),
        false,
        Box::new(starts_syslog_event),
    );
    let counts: Vec<&str> = got.iter().map(|g| g.split(' ').next().unwrap()).collect();
    assert_eq!(counts, ["1+5", "6+1", "7+1"], "{got:?}");
}

/// A chained traceback relayed by syslog: its blank lines are empty messages, and a file can
/// start with it (a headed line with nothing before it to join is an event of its own).
#[test]
fn chained_python_tracebacks_relayed_by_syslog_stay_one_event() {
    let line = |message: &str| format!("Nov 30 14:01:02 web-1 shop[123]: {message}");
    let text = [
        line("Traceback (most recent call last):"),
        line("  File \"/app/pay.py\", line 10, in charge"),
        line("KeyError: 'card'"),
        "Nov 30 14:01:02 web-1 shop[123]:".to_string(),
        line("During handling of the above exception, another exception occurred:"),
        line(""),
        line("Traceback (most recent call last):"),
        line("  File \"/app/main.py\", line 3, in <module>"),
        line("RuntimeError: payment failed"),
        line(""),
        line("served GET /health"),
        line("During handling of the above exception, another exception occurred:"),
    ]
    .join("\n");
    let (got, _) = group_by(
        &text,
        Joining::SyslogMessages,
        Limits::default(),
        false,
        Box::new(starts_syslog_event),
    );
    // The chain (1-9) and the empty message after it; the sentence after no traceback is an
    // event of its own.
    assert_eq!(spans(&got), ["1+10", "11+1", "12+1"], "{got:#?}");
    assert!(got.iter().all(|g| !g.ends_with("reject")), "{got:#?}");
}
