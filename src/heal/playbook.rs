//! Playbooks: which breach rows they match and the ladder of actions they take.
//!
//! Playbooks come from `[[playbook]]` in `shape.toml` and from every `*.toml` file in the
//! `[heal] playbook_dirs` (default `playbooks/` beside the config). They are validated at load:
//! an error names the file, the line and the field.
//!
//! Row values reach a command only as whole argv elements (`"{component}"`) or environment
//! variables, never inside `argv[0]` and never through a shell: an argv element is either
//! literal text or exactly one `{column}` placeholder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::patch::{parse_edit, Edit, RawEdit};
use super::HealError;
use crate::common::{duration_message, field_line, line_of, parse_duration};

/// One playbook, validated.
#[derive(Debug, Clone)]
pub struct Playbook {
    pub name: String,
    pub description: String,
    /// Higher first; ties are ordered by past effectiveness, then name.
    pub priority: i64,
    pub enabled: bool,
    pub matches: Vec<(String, Predicate)>,
    /// The escalation ladder: attempt n runs `actions[min(n, len) - 1]`.
    pub actions: Vec<Action>,
    /// Overrides of the `[heal]` defaults.
    pub cooldown: Option<Duration>,
    pub max_attempts: Option<u32>,
    pub verify_after: Option<Duration>,
    pub approval: Option<bool>,
    /// Where it was defined (`file:line`), for messages and records.
    pub origin: String,
}

/// A deterministic predicate over one breach-row column (compared as text, or as numbers for
/// the comparison operators).
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// Equal to one of these (a `*` or `?` makes that alternative a glob).
    OneOf(Vec<String>),
    /// `">= 10"`, `"< 0.99"`...: numeric comparison; a non-numeric value never matches.
    Compare(Comparison, f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Less,
    LessEq,
    Greater,
    GreaterEq,
}

impl Predicate {
    pub fn matches(&self, value: Option<&str>) -> bool {
        let Some(value) = value else { return false };
        match self {
            Predicate::OneOf(options) => options.iter().any(|o| {
                if o.contains(['*', '?']) {
                    glob::Pattern::new(o).is_ok_and(|p| p.matches(value))
                } else {
                    o == value
                }
            }),
            Predicate::Compare(op, limit) => {
                let Ok(v) = value.trim().parse::<f64>() else {
                    return false;
                };
                match op {
                    Comparison::Less => v < *limit,
                    Comparison::LessEq => v <= *limit,
                    Comparison::Greater => v > *limit,
                    Comparison::GreaterEq => v >= *limit,
                }
            }
        }
    }
}

/// One argv element or env value: literal text or one whole row column.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Literal(String),
    Column(String),
}

/// `"{column}"` -> `column`: text that is exactly one placeholder of a column name.
pub fn whole_placeholder(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    let is_name = !inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_name.then_some(inner)
}

impl Arg {
    fn parse(text: &str) -> Result<Arg, String> {
        if let Some(column) = whole_placeholder(text) {
            return Ok(Arg::Column(column.to_string()));
        }
        if text.contains('{') || text.contains('}') {
            return Err(format!(
                "{text:?}: a row value must be a whole argument (\"{{column}}\"), never part of one"
            ));
        }
        Ok(Arg::Literal(text.to_string()))
    }
}

/// What one rung of the ladder does.
#[derive(Debug, Clone)]
pub enum Action {
    /// Run `argv` without a shell: `argv[0]` literal and allowlisted.
    Command {
        argv: Vec<Arg>,
        env: BTreeMap<String, Arg>,
        timeout: Duration,
        max_output_bytes: usize,
    },
    /// POST the breach (and its diagnosis) as JSON.
    Webhook {
        url: String,
        timeout: Duration,
        retries: u32,
    },
    /// Open an issue (title and body rendered from the breach, root causes, lines, fix).
    GithubIssue { labels: Vec<String> },
    /// Open (or update) a pull request that writes `path` from `template`.
    GithubPr {
        path: String,
        template: String,
        base: String,
        labels: Vec<String>,
    },
    /// Edit files in SHAPE's clone of `[heal.repo]`, run the repository's own tests on the
    /// result, and ship it only when they pass (`heal::ship`).
    Patch(PatchAction),
}

/// A `patch` action, validated.
#[derive(Debug, Clone)]
pub struct PatchAction {
    pub edits: Vec<Edit>,
    /// The repository's test command (argv, allow-listed), run in the patched clone.
    pub validate: Vec<String>,
    pub validate_timeout: Duration,
    pub max_output_bytes: usize,
    /// Merge without review once validation (and, on GitHub, every check) is green.
    pub auto_merge: bool,
    /// How long to wait for a pull request's checks, and how often to look.
    pub ci_timeout: Duration,
    pub ci_poll: Duration,
    pub labels: Vec<String>,
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Command { .. } => "command",
            Action::Webhook { .. } => "webhook",
            Action::GithubIssue { .. } => "github_issue",
            Action::GithubPr { .. } => "github_pr",
            Action::Patch(_) => "patch",
        }
    }

    /// Row columns this action reads.
    pub fn columns(&self) -> Vec<&str> {
        match self {
            Action::Command { argv, env, .. } => argv
                .iter()
                .chain(env.values())
                .filter_map(|a| match a {
                    Arg::Column(c) => Some(c.as_str()),
                    Arg::Literal(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlaybook {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    priority: i64,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(rename = "match", default)]
    matches: toml::Table,
    #[serde(rename = "action", default)]
    actions: Vec<toml::Value>,
    cooldown: Option<String>,
    max_attempts: Option<u32>,
    verify_after: Option<String>,
    approval: Option<bool>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum RawAction {
    Command {
        argv: Vec<String>,
        #[serde(default)]
        env: BTreeMap<String, String>,
        timeout: Option<String>,
        max_output_bytes: Option<usize>,
    },
    Webhook {
        url: String,
        timeout: Option<String>,
        retries: Option<u32>,
    },
    GithubIssue {
        #[serde(default)]
        labels: Vec<String>,
    },
    GithubPr {
        path: String,
        template: String,
        #[serde(default = "main_branch")]
        base: String,
        #[serde(default)]
        labels: Vec<String>,
    },
    Patch {
        #[serde(rename = "edit", default)]
        edits: Vec<toml::Value>,
        #[serde(default)]
        validate: Vec<String>,
        validate_timeout: Option<String>,
        max_output_bytes: Option<usize>,
        #[serde(default)]
        auto_merge: bool,
        ci_timeout: Option<String>,
        ci_poll: Option<String>,
        #[serde(default)]
        labels: Vec<String>,
    },
}

fn main_branch() -> String {
    "main".into()
}

/// Where playbooks are read from and what they may run.
pub struct LoadContext<'a> {
    /// Executables a command may start (`argv[0]` must equal one of them).
    pub allowed_commands: &'a [String],
}

/// Parses every `[[playbook]]` of one TOML document.
pub fn parse_playbooks(
    text: &str,
    path: &Path,
    table: &toml::Table,
    load: &LoadContext,
) -> Result<Vec<Playbook>, HealError> {
    let Some(value) = table.get("playbook") else {
        return Ok(Vec::new());
    };
    let invalid = |line: usize, field: String, message: String| HealError::Playbook {
        path: path.to_path_buf(),
        line,
        field,
        message,
    };
    let items = value.as_array().ok_or_else(|| {
        invalid(
            line_of(text, "playbook", 0),
            "playbook".into(),
            "must be an array of tables ([[playbook]])".into(),
        )
    })?;
    let mut actions_before = 0;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let line = line_of(text, "[[playbook]]", i);
        let at = |field: &str| field_line(text, line, field);
        let raw: RawPlaybook = item.clone().try_into().map_err(|e: toml::de::Error| {
            invalid(line, format!("playbook[{i}]"), e.message().to_string())
        })?;
        let field = |name: &str| format!("playbook[{i}] ({}).{name}", raw.name);
        let duration = |name: &str, text: &Option<String>| -> Result<_, HealError> {
            text.as_deref()
                .map(|t| {
                    parse_duration(t)
                        .ok_or_else(|| invalid(at(name), field(name), duration_message(t)))
                })
                .transpose()
        };
        if raw.name.trim().is_empty() {
            return Err(invalid(
                at("name"),
                field("name"),
                "must not be empty".into(),
            ));
        }
        let mut matches = Vec::new();
        let match_line = line_of(text, "[playbook.match]", i).max(line);
        for (column, value) in &raw.matches {
            let predicate = parse_predicate(value)
                .map_err(|m| invalid(match_line, field(&format!("match.{column}")), m))?;
            matches.push((column.clone(), predicate));
        }
        if raw.actions.is_empty() {
            return Err(invalid(
                line,
                field("action"),
                "needs at least one [[playbook.action]]".into(),
            ));
        }
        let mut actions = Vec::new();
        for (j, raw_action) in raw.actions.iter().enumerate() {
            let action_line = line_of(text, "[[playbook.action]]", actions_before + j).max(line);
            let name = format!("action[{j}]");
            let bad = |m: String| invalid(action_line, field(&name), m);
            let parsed: RawAction = raw_action
                .clone()
                .try_into()
                .map_err(|e: toml::de::Error| bad(e.message().to_string()))?;
            actions.push(validate_action(parsed, load, &bad)?);
        }
        actions_before += raw.actions.len();
        if raw.max_attempts == Some(0) {
            return Err(invalid(
                at("max_attempts"),
                field("max_attempts"),
                "must be at least 1".into(),
            ));
        }
        out.push(Playbook {
            cooldown: duration("cooldown", &raw.cooldown)?,
            verify_after: duration("verify_after", &raw.verify_after)?,
            name: raw.name,
            description: raw.description,
            priority: raw.priority,
            enabled: raw.enabled,
            matches,
            actions,
            max_attempts: raw.max_attempts,
            approval: raw.approval,
            origin: format!("{}:{line}", path.display()),
        });
    }
    Ok(out)
}

fn validate_action(
    raw: RawAction,
    load: &LoadContext,
    bad: &dyn Fn(String) -> HealError,
) -> Result<Action, HealError> {
    let duration = |text: Option<String>, default: u64| -> Result<Duration, HealError> {
        match text {
            None => Ok(Duration::from_secs(default)),
            Some(t) => parse_duration(&t).ok_or_else(|| bad(duration_message(&t))),
        }
    };
    Ok(match raw {
        RawAction::Command {
            argv,
            env,
            timeout,
            max_output_bytes,
        } => {
            let Some(program) = argv.first() else {
                return Err(bad("argv must name a program".into()));
            };
            let program = Arg::parse(program).map_err(bad)?;
            let Arg::Literal(program) = program else {
                return Err(bad(
                    "argv[0] must be literal text: a row value never chooses the program".into(),
                ));
            };
            if !load.allowed_commands.contains(&program) {
                return Err(bad(format!(
                    "argv[0] {program:?} is not in [heal] allowed_commands {:?}",
                    load.allowed_commands
                )));
            }
            let mut args = vec![Arg::Literal(program)];
            for a in &argv[1..] {
                args.push(Arg::parse(a).map_err(bad)?);
            }
            let mut vars = BTreeMap::new();
            for (name, value) in env {
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(bad(format!("env name {name:?} must be [A-Za-z0-9_]+")));
                }
                vars.insert(name, Arg::parse(&value).map_err(bad)?);
            }
            Action::Command {
                argv: args,
                env: vars,
                timeout: duration(timeout, 60)?,
                max_output_bytes: max_output_bytes.unwrap_or(64 * 1024),
            }
        }
        RawAction::Webhook {
            url,
            timeout,
            retries,
        } => {
            let parsed = url::Url::parse(&url).map_err(|e| bad(format!("url {url:?}: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(bad(format!("url {url:?} must be http or https")));
            }
            Action::Webhook {
                url,
                timeout: duration(timeout, 10)?,
                retries: retries.unwrap_or(3),
            }
        }
        RawAction::GithubIssue { labels } => Action::GithubIssue { labels },
        RawAction::GithubPr {
            path,
            template,
            base,
            labels,
        } => {
            if path.is_empty() || path.starts_with('/') || path.split('/').any(|p| p == "..") {
                return Err(bad(format!(
                    "path {path:?} must be relative inside the repository"
                )));
            }
            Action::GithubPr {
                path,
                template,
                base,
                labels,
            }
        }
        RawAction::Patch {
            edits,
            validate,
            validate_timeout,
            max_output_bytes,
            auto_merge,
            ci_timeout,
            ci_poll,
            labels,
        } => {
            if edits.is_empty() {
                return Err(bad("needs at least one [[playbook.action.edit]]".into()));
            }
            let edits = edits
                .into_iter()
                .enumerate()
                .map(|(k, raw)| {
                    let raw: RawEdit = raw
                        .try_into()
                        .map_err(|e: toml::de::Error| bad(format!("edit[{k}]: {}", e.message())))?;
                    parse_edit(raw).map_err(|m| bad(format!("edit[{k}]: {m}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            // The same rule as a command's argv[0]: literal and allow-listed.
            let Some(program) = validate.first() else {
                return Err(bad(
                    "validate must name the repository's test command: a patch is never shipped untested"
                        .into(),
                ));
            };
            if !load.allowed_commands.contains(program) {
                return Err(bad(format!(
                    "validate[0] {program:?} is not in [heal] allowed_commands {:?}",
                    load.allowed_commands
                )));
            }
            if validate.iter().any(|a| a.contains('{')) {
                return Err(bad("validate is literal: row values never reach it".into()));
            }
            Action::Patch(PatchAction {
                edits,
                validate,
                validate_timeout: duration(validate_timeout, 600)?,
                max_output_bytes: max_output_bytes.unwrap_or(64 * 1024),
                auto_merge,
                ci_timeout: duration(ci_timeout, 1800)?,
                ci_poll: duration(ci_poll, 15)?,
                labels,
            })
        }
    })
}

fn parse_predicate(value: &toml::Value) -> Result<Predicate, String> {
    let text = |v: &toml::Value| -> Result<String, String> {
        match v {
            toml::Value::String(s) => Ok(s.clone()),
            toml::Value::Integer(i) => Ok(i.to_string()),
            toml::Value::Float(f) => Ok(f.to_string()),
            toml::Value::Boolean(b) => Ok(b.to_string()),
            other => Err(format!(
                "expected a string, number or a list of them, found {}",
                other.type_str()
            )),
        }
    };
    match value {
        toml::Value::Array(items) if items.is_empty() => {
            Err("an empty list matches nothing".into())
        }
        toml::Value::Array(items) => Ok(Predicate::OneOf(
            items.iter().map(text).collect::<Result<_, _>>()?,
        )),
        other => {
            let s = text(other)?;
            for (prefix, op) in [
                (">=", Comparison::GreaterEq),
                ("<=", Comparison::LessEq),
                (">", Comparison::Greater),
                ("<", Comparison::Less),
            ] {
                if let Some(rest) = s.trim().strip_prefix(prefix) {
                    let limit = rest
                        .trim()
                        .parse::<f64>()
                        .map_err(|_| format!("{s:?}: {prefix} needs a number"))?;
                    return Ok(Predicate::Compare(op, limit));
                }
            }
            Ok(Predicate::OneOf(vec![s]))
        }
    }
}

/// Playbooks of the config plus every `*.toml` in `dirs` (sorted by file name); duplicate
/// names are an error.
pub fn load_playbooks(
    config: Option<(&str, &Path, &toml::Table)>,
    dirs: &[PathBuf],
    load: &LoadContext,
) -> Result<Vec<Playbook>, HealError> {
    let mut all = Vec::new();
    if let Some((text, path, table)) = config {
        all.extend(parse_playbooks(text, path, table, load)?);
    }
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|source| HealError::Read {
                path: file.clone(),
                source,
            })?;
            let table: toml::Table = toml::from_str(&text).map_err(|e| HealError::Playbook {
                path: file.clone(),
                line: e
                    .span()
                    .map(|s| text[..s.start].lines().count().max(1))
                    .unwrap_or(1),
                field: "?".into(),
                message: e.message().to_string(),
            })?;
            if let Some(key) = table.keys().find(|k| *k != "playbook") {
                return Err(HealError::Playbook {
                    path: file.clone(),
                    line: line_of(&text, key, 0),
                    field: key.clone(),
                    message: "a playbook file holds only [[playbook]] tables".into(),
                });
            }
            all.extend(parse_playbooks(&text, &file, &table, load)?);
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for p in &all {
        if !seen.insert(p.name.clone()) {
            return Err(HealError::Playbook {
                path: PathBuf::from(p.origin.rsplit_once(':').map_or("", |(f, _)| f)),
                line: p
                    .origin
                    .rsplit_once(':')
                    .and_then(|(_, l)| l.parse().ok())
                    .unwrap_or(0),
                field: "name".into(),
                message: format!("duplicate playbook name {:?}", p.name),
            });
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Vec<Playbook>, HealError> {
        let table: toml::Table = toml::from_str(text).unwrap();
        let allowed = vec!["/bin/echo".to_string()];
        parse_playbooks(
            text,
            Path::new("shape.toml"),
            &table,
            &LoadContext {
                allowed_commands: &allowed,
            },
        )
    }

    #[test]
    fn parses_a_ladder_and_predicates() {
        let books = load(
            r#"
[[playbook]]
name = "restart"
priority = 5
[playbook.match]
component = ["library", "canvas-*"]
burn_rate = ">= 10"
[[playbook.action]]
kind = "command"
argv = ["/bin/echo", "--", "{component}"]
env = { SLO = "{slo_id}" }
[[playbook.action]]
kind = "github_issue"
"#,
        )
        .unwrap();
        let book = &books[0];
        assert_eq!(book.actions.len(), 2);
        let find = |c: &str| &book.matches.iter().find(|(k, _)| k == c).unwrap().1;
        assert!(find("component").matches(Some("canvas-2")));
        assert!(!find("component").matches(Some("header")));
        assert!(find("burn_rate").matches(Some("14.4")));
        assert!(!find("burn_rate").matches(Some("2")));
        assert!(!find("burn_rate").matches(None));
        assert_eq!(book.actions[0].columns(), vec!["component", "slo_id"]);
    }

    #[test]
    fn refuses_row_values_inside_arguments_or_as_the_program() {
        let base = |argv: &str| {
            format!(
                "[[playbook]]\nname = \"x\"\n[[playbook.action]]\nkind = \"command\"\nargv = {argv}\n"
            )
        };
        let err = load(&base(r#"["/bin/echo", "--name={component}"]"#)).unwrap_err();
        assert!(err.to_string().contains("whole argument"), "{err}");
        assert!(err.to_string().contains("shape.toml:3"), "{err}");
        let err = load(&base(r#"["{component}"]"#)).unwrap_err();
        assert!(err.to_string().contains("argv[0] must be literal"), "{err}");
        let err = load(&base(r#"["/bin/sh", "-c", "echo"]"#)).unwrap_err();
        assert!(err.to_string().contains("allowed_commands"), "{err}");
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let err = load("[[playbook]]\nname = \"x\"\ncooldown = \"soon\"\n[[playbook.action]]\nkind = \"github_issue\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("shape.toml:3"), "{err}");
        assert!(err.contains("cooldown"), "{err}");
        let err = load("[[playbook]]\nname = \"x\"\n[[playbook.action]]\nkind = \"teleport\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("action[0]") && err.contains("teleport"),
            "{err}"
        );
    }
}
