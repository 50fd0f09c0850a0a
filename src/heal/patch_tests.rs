use super::*;

/// Breach values a hostile log or row could carry.
const HOSTILE: &str =
    "$(touch /tmp/pwned) `id` \"quoted\" 'single'\nsecond: line ../../etc/passwd $1 {slo_id}";

fn values() -> Values {
    [
        ("component", "checkout"),
        ("slo_id", "checkout-availability"),
        ("burn_rate", "14.4"),
        ("note", HOSTILE),
        ("placeholder", "{component}"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn key(path: &str) -> Vec<String> {
    path.split('.').map(str::to_string).collect()
}

fn set(format: Format, path: &str, value: PatchValue) -> EditOp {
    EditOp::Set {
        format,
        key: key(path),
        value,
    }
}

fn column(name: &str, as_type: ValueType) -> PatchValue {
    PatchValue::Column {
        column: name.into(),
        as_type,
    }
}

#[test]
fn toml_keeps_comments_order_and_merges_tables() {
    let text = "# pool settings\n[database]\nurl = \"postgres://db\" # primary\npool = 10 # was tuned in May\n\n[http]\nport = 8080\n";
    let out = edit_text(
        "app.toml",
        text,
        &set(
            Format::Toml,
            "database.pool",
            PatchValue::Literal(toml::Value::Integer(40)),
        ),
        &values(),
    )
    .unwrap();
    assert_eq!(
        out,
        "# pool settings\n[database]\nurl = \"postgres://db\" # primary\npool = 40 # was tuned in May\n\n[http]\nport = 8080\n"
    );
    // A table merges into the one there; a missing path is created.
    let merge: toml::Value = toml::from_str("timeout_ms = 500\nretries = 2").unwrap();
    let out = edit_text(
        "app.toml",
        &out,
        &set(Format::Toml, "http", PatchValue::Literal(merge)),
        &values(),
    )
    .unwrap();
    let parsed: toml::Table = toml::from_str(&out).unwrap();
    assert_eq!(parsed["http"]["port"].as_integer(), Some(8080));
    assert_eq!(parsed["http"]["retries"].as_integer(), Some(2));
    let out = edit_text(
        "app.toml",
        &out,
        &set(
            Format::Toml,
            "limits.checkout.burn",
            column("burn_rate", ValueType::Number),
        ),
        &values(),
    )
    .unwrap();
    let parsed: toml::Table = toml::from_str(&out).unwrap();
    assert_eq!(parsed["limits"]["checkout"]["burn"].as_float(), Some(14.4));
    assert!(out.starts_with("# pool settings\n[database]"), "{out}");
    // Under a scalar, nothing can be set.
    let err = edit_text(
        "app.toml",
        &out,
        &set(Format::Toml, "http.port.x", PatchValue::Literal(1.into())),
        &values(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("\"http.port\" is not a table"),
        "{err}"
    );
}

#[test]
fn hostile_values_land_as_one_string_in_every_format() {
    let toml_out = edit_text(
        "a.toml",
        "[x]\nkeep = 1\n",
        &set(Format::Toml, "x.note", column("note", ValueType::Text)),
        &values(),
    )
    .unwrap();
    let parsed: toml::Table = toml::from_str(&toml_out).unwrap();
    assert_eq!(parsed["x"]["note"].as_str(), Some(HOSTILE));
    assert_eq!(parsed["x"].as_table().unwrap().len(), 2, "{toml_out}");

    let yaml = "# the app\napp:\n  replicas: 2 # scaled by hand\n  name: checkout\n";
    let yaml_out = edit_text(
        "a.yaml",
        yaml,
        &set(Format::Yaml, "app.note", column("note", ValueType::Text)),
        &values(),
    )
    .unwrap();
    let parsed: serde_json::Value = serde_norway::from_str(&yaml_out).unwrap();
    assert_eq!(parsed["app"]["note"].as_str(), Some(HOSTILE), "{yaml_out}");
    assert_eq!(parsed["app"].as_object().unwrap().len(), 3, "{yaml_out}");
    assert!(parsed.get("second").is_none(), "{yaml_out}");
    assert!(yaml_out.contains("# scaled by hand"), "{yaml_out}");

    let json_out = edit_text(
        "a.json",
        "{\"z\": 1, \"a\": {\"b\": 2}}",
        &set(Format::Json, "a.note", column("note", ValueType::Text)),
        &values(),
    )
    .unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(parsed["a"]["note"].as_str(), Some(HOSTILE));
    assert!(
        json_out.find("\"z\"").unwrap() < json_out.find("\"a\"").unwrap(),
        "order kept"
    );

    // In a replacement, a value's `$1` is text, not a capture; `{slo_id}` inside a value
    // is not filled again.
    let op = EditOp::Replace {
        pattern: regex::Regex::new(r"(?m)^NOTE = (.*)$").unwrap(),
        with: "NOTE = {note} (was $1)".into(),
    };
    let out = edit_text("a.py", "NOTE = 'old'\n", &op, &values()).unwrap();
    assert_eq!(out, format!("NOTE = {HOSTILE} (was 'old')\n"));
}

#[test]
fn yaml_keeps_comments_and_creates_paths() {
    let yaml = "# deploy\nspec:\n  replicas: 2 # by hand\n  image: app:1\nother: true\n";
    let out = edit_text(
        "d.yaml",
        yaml,
        &set(Format::Yaml, "spec.replicas", PatchValue::Literal(4.into())),
        &values(),
    )
    .unwrap();
    assert!(out.contains("replicas: 4"), "{out}");
    assert!(
        out.contains("# deploy") && out.contains("# by hand"),
        "{out}"
    );
    let out = edit_text(
        "d.yaml",
        &out,
        &set(
            Format::Yaml,
            "spec.resources.limits.cpu",
            PatchValue::Literal("2".into()),
        ),
        &values(),
    )
    .unwrap();
    let parsed: serde_json::Value = serde_norway::from_str(&out).unwrap();
    assert_eq!(parsed["spec"]["resources"]["limits"]["cpu"], "2", "{out}");
    assert_eq!(parsed["spec"]["image"], "app:1");
    assert_eq!(parsed["other"], true);
}

#[test]
fn replace_needs_a_match_and_template_fills_once() {
    let op = EditOp::Replace {
        pattern: regex::Regex::new(r"timeout = (\d+)").unwrap(),
        with: "timeout = 5000".into(),
    };
    let err = edit_text("x.cfg", "retries = 3\n", &op, &values()).unwrap_err();
    assert!(matches!(err, PatchError::NoMatch { .. }), "{err}");
    let op = EditOp::Template {
        template: "component {component}; {placeholder}; {unknown}; {".into(),
    };
    let out = edit_text("x.md", "", &op, &values()).unwrap();
    assert_eq!(out, "component checkout; {component}; {unknown}; {");
}

#[test]
fn values_of_the_wrong_type_are_named() {
    let err = edit_text(
        "a.toml",
        "",
        &set(Format::Toml, "x", column("component", ValueType::Integer)),
        &values(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "a.toml: component = \"checkout\" is not an integer"
    );
}

#[test]
fn paths_stay_inside_the_clone() {
    for bad in [
        "../x.toml",
        "/etc/passwd",
        "a/../../b",
        ".git/config",
        "conf/{component}.toml",
        "",
    ] {
        assert!(check_relative_path(bad).is_err(), "{bad}");
    }
    for good in ["config/app.toml", "./deploy/values.yaml"] {
        check_relative_path(good).unwrap();
    }
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), root.path().join("link")).unwrap();
    let edit = Edit {
        file: "link/app.toml".into(),
        op: EditOp::Template {
            template: "x".into(),
        },
    };
    let err = apply(root.path(), &[edit], &values()).unwrap_err();
    assert!(matches!(err, PatchError::Escapes { .. }), "{err}");
    assert!(!outside.path().join("app.toml").exists());
    let edit = Edit {
        file: "new/dir/app.toml".into(),
        op: set(Format::Toml, "a.b", PatchValue::Literal(1.into())),
    };
    assert_eq!(
        apply(root.path(), std::slice::from_ref(&edit), &values()).unwrap(),
        vec!["new/dir/app.toml"]
    );
    // The same edit again changes nothing.
    assert!(apply(root.path(), &[edit], &values()).unwrap().is_empty());
}
