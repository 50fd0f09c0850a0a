use super::*;

/// Groups `text` line by line: "first+count content" per event (" reject: why" when it is
/// one), "blank" for blank and structure lines, and the line held when `hold`.
fn group(text: &str, limits: Limits, hold: bool) -> (Vec<String>, Option<u64>) {
    let mut grouper = JsonDocuments::new(limits);
    let mut out = Vec::new();
    let mut shown = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let content = line.strip_suffix('\r').unwrap_or(line);
        let line = LineIn {
            bytes: line.as_bytes(),
            content: content.as_bytes(),
            number: i as u64 + 1,
            offset: 0,
            reject: None,
        };
        let alone = grouper.push(line, &mut out);
        show(&mut out, &mut shown);
        if let Some(line) = alone {
            let content = String::from_utf8(line.content.to_vec()).unwrap();
            shown.push(format!("{}+1 {content}", line.number));
        }
    }
    let held = if hold {
        grouper.finish_holding().map(|(number, _)| number)
    } else {
        grouper.finish(&mut out);
        None
    };
    show(&mut out, &mut shown);
    (shown, held)
}

fn show(out: &mut Vec<Grouped>, shown: &mut Vec<String>) {
    for grouped in out.drain(..) {
        shown.push(match grouped {
            Grouped::Blank => "blank".to_string(),
            Grouped::Event(g) => format!(
                "{}+{} {}{}",
                g.number,
                g.line_count,
                String::from_utf8(g.content).unwrap().replace('\n', "|"),
                g.reject
                    .map(|why| format!(" reject: {why}"))
                    .unwrap_or_default()
            ),
        });
    }
}

#[test]
fn json_lines_stay_one_event_per_line() {
    let text = "{\"a\":1}\n\n{\"b\":\"}{\"}\n[{\"c\":1},{\"c\":2}]";
    let (got, _) = group(text, Limits::default(), false);
    assert_eq!(
        got,
        [
            "1+1 {\"a\":1}",
            "blank",
            "3+1 {\"b\":\"}{\"}",
            "4+1 [{\"c\":1},{\"c\":2}]"
        ]
    );
}

#[test]
fn pretty_printed_objects_one_after_another() {
    // `jq .` and `journalctl -o json-pretty` (tabs); braces and escaped quotes in strings.
    let text = "{\n  \"msg\": \"a } \\\" {\",\n  \"n\": {\n    \"x\": [1, 2]\n  }\n}\n{\n\t\"MESSAGE\" : \"b\"\n}";
    let (got, _) = group(text, Limits::default(), false);
    assert_eq!(
        got,
        [
            "1+6 {|  \"msg\": \"a } \\\" {\",|  \"n\": {|    \"x\": [1, 2]|  }|}",
            "7+3 {|\t\"MESSAGE\" : \"b\"|}"
        ]
    );
}

#[test]
fn an_array_of_objects_one_element_each() {
    // jq's indented elements, and an export with one element per line.
    let text = "[\n  {\n    \"a\": 1\n  },\n  {\n    \"a\": 2\n  }\n]\n[\n{\"b\":1},\n{\"b\":2}\n]";
    let (got, _) = group(text, Limits::default(), false);
    assert_eq!(
        got,
        [
            "blank",
            "2+3   {|    \"a\": 1|  }",
            "5+3   {|    \"a\": 2|  }",
            "blank",
            "blank",
            "10+1 {\"b\":1}",
            "11+1 {\"b\":2}",
            "blank"
        ]
    );
}

#[test]
fn a_cut_line_does_not_swallow_the_lines_after_it() {
    let text = "{\"a\":1}\n{\"a\":\"cut in the mid\n{\"a\":3}\n  {\n  \"b\": 1\n{\"a\":4}";
    let (got, _) = group(text, Limits::default(), false);
    assert_eq!(
        got,
        [
            "1+1 {\"a\":1}",
            "2+1 {\"a\":\"cut in the mid",
            "3+1 {\"a\":3}",
            "4+1   {",
            "5+1   \"b\": 1",
            "6+1 {\"a\":4}"
        ]
    );
}

#[test]
fn a_document_over_the_limits_is_a_reject_and_nothing_is_lost() {
    let limits = Limits {
        max_lines: 3,
        max_bytes: 1 << 20,
    };
    let text = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}\n{\"d\":4}";
    let (got, _) = group(text, limits, false);
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got[0].starts_with("1+3 {|  \"a\": 1,|  \"b\": 2, reject: a JSON document longer"));
    assert_eq!(got[1..], ["4+1   \"c\": 3", "5+1 }", "6+1 {\"d\":4}"]);
}

#[test]
fn an_open_document_is_held_while_the_source_may_grow() {
    let (got, held) = group("{\"a\":1}\n{\n  \"b\": 2,", Limits::default(), true);
    assert_eq!(got, ["1+1 {\"a\":1}"]);
    assert_eq!(held, Some(2));
}

#[test]
fn detection_sees_whole_documents_and_the_one_the_sample_cuts() {
    let lines: Vec<&[u8]> = ["[", "  {", "    \"a\": 1", "  },", "  {", "    \"a\": 2"]
        .iter()
        .map(|l| l.as_bytes())
        .collect();
    let (documents, cut) = documents_of(&lines, Limits::default());
    assert_eq!(documents, [(b"  {\n    \"a\": 1\n  }".to_vec(), 3)]);
    assert_eq!(cut, Some((b"  {\n    \"a\": 2".to_vec(), 2)));
}
