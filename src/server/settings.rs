//! `SET`, `SHOW` and `RESET` of what a session may change: `statement_timeout`, SHAPE's
//! `shape.*` settings and the engine's `datafusion.*` options, and the server's identity
//! (`server_version`, `server_version_num`) as PostgreSQL reports it.

use std::sync::Arc;
use std::time::Duration;

use datafusion::common::ParamValues;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{Reset, ResetStatement, Set, Statement};
use datafusion_postgres::hooks::HookClient;
use datafusion_postgres::pgwire::api::results::{
    DataRowEncoder, FieldFormat, FieldInfo, QueryResponse, Response, Tag,
};
use datafusion_postgres::pgwire::api::{ClientInfo, Type};
use datafusion_postgres::pgwire::error::PgWireResult;
use datafusion_postgres::QueryHook;

use super::session::{sql_error, statement_timeout, STATEMENT_TIMEOUT_KEY};

/// `SET`/`SHOW` of the settings SHAPE keeps per session: `statement_timeout` and the engine's
/// `shape.*` / `datafusion.*` options. Unlike a PostgreSQL-compatible "accept and ignore",
/// a bad value is an error (22023) naming the setting.
pub struct SessionSettingsHook {
    pub default_timeout: Option<Duration>,
}

/// What a SET or SHOW names, once recognised as ours.
enum SettingStatement {
    Set { name: String, value: Option<String> },
    Show { name: String },
}

/// Read-only settings that say what the server is.
const IDENTITY: &[&str] = &["server_version", "server_version_num"];

fn our_setting(name: &str) -> bool {
    name == "statement_timeout" || name.starts_with("shape.") || name.starts_with("datafusion.")
}

fn classify(statement: &Statement) -> Option<SettingStatement> {
    match statement {
        Statement::Set(Set::SingleAssignment {
            variable, values, ..
        }) => {
            let name = variable.to_string().to_ascii_lowercase();
            if !our_setting(&name) {
                return None;
            }
            let value = values.first().map(|v| {
                v.to_string()
                    .trim_matches(|c| c == '\'' || c == '"')
                    .to_string()
            });
            // `SET x TO DEFAULT` resets.
            let value = value.filter(|v| !v.eq_ignore_ascii_case("default"));
            Some(SettingStatement::Set { name, value })
        }
        Statement::ShowVariable { variable } => {
            let name = variable
                .iter()
                .map(|part| part.value.to_ascii_lowercase())
                .collect::<Vec<_>>()
                .join(".");
            (our_setting(&name) || IDENTITY.contains(&name.as_str()))
                .then_some(SettingStatement::Show { name })
        }
        Statement::Reset(ResetStatement {
            reset: Reset::ConfigurationParameter(name),
        }) => {
            let name = name.to_string().to_ascii_lowercase();
            our_setting(&name).then_some(SettingStatement::Set { name, value: None })
        }
        _ => None,
    }
}

/// Parses a PostgreSQL duration setting: a number of milliseconds, or a number with a unit
/// (`us`, `ms`, `s`, `min`, `h`, `d`). `0` means no limit (`None`).
pub fn parse_pg_duration(text: &str) -> Result<Option<Duration>, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?}: expected e.g. 5000, 500ms, 30s, 2min"))?;
    let millis = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "ms" => number,
        "us" => number / 1000.0,
        "s" => number * 1000.0,
        "min" => number * 60_000.0,
        "h" => number * 3_600_000.0,
        "d" => number * 86_400_000.0,
        other => {
            return Err(format!(
                "invalid duration unit {other:?} in {text:?}: use us, ms, s, min, h or d"
            ))
        }
    };
    Ok((millis >= 1.0).then(|| Duration::from_millis(millis as u64)))
}

fn format_timeout(timeout: Option<Duration>) -> String {
    match timeout {
        None => "0".to_string(),
        Some(d) if d.as_millis() % 1000 == 0 => format!("{}s", d.as_secs()),
        Some(d) => format!("{}ms", d.as_millis()),
    }
}

fn show_response(name: &str, value: String) -> PgWireResult<Response> {
    let fields = Arc::new(vec![FieldInfo::new(
        name.to_string(),
        None,
        None,
        Type::TEXT,
        FieldFormat::Text,
    )]);
    let mut encoder = DataRowEncoder::new(fields.clone());
    encoder.encode_field(&Some(value))?;
    let row = encoder.take_row();
    Ok(Response::Query(QueryResponse::new(
        fields,
        futures::stream::once(async move { Ok(row) }),
    )))
}

impl SessionSettingsHook {
    fn apply(
        &self,
        statement: SettingStatement,
        ctx: &SessionContext,
        client: &mut dyn HookClient,
    ) -> PgWireResult<Response> {
        let invalid = |name: &str, message: String| {
            sql_error(
                "ERROR",
                "22023",
                format!("invalid value for {name}: {message}"),
            )
        };
        match statement {
            SettingStatement::Set { name, value } if name == "statement_timeout" => {
                let metadata = client.metadata_mut();
                match value {
                    None => {
                        metadata.remove(STATEMENT_TIMEOUT_KEY);
                    }
                    Some(text) => {
                        let timeout = parse_pg_duration(&text).map_err(|m| invalid(&name, m))?;
                        let ms = timeout.map_or(0, |d| d.as_millis());
                        metadata.insert(STATEMENT_TIMEOUT_KEY.to_string(), ms.to_string());
                    }
                }
                Ok(Response::Execution(Tag::new("SET")))
            }
            SettingStatement::Set { name, value } => {
                let state = ctx.state_ref();
                let mut state = state.write();
                let options = state.config_mut().options_mut();
                let value = match value {
                    Some(value) => value,
                    // DEFAULT: the server's value for this option.
                    None => default_option(&name).unwrap_or_default(),
                };
                options
                    .set(&name, &value)
                    .map_err(|e| invalid(&name, e.strip_backtrace()))?;
                Ok(Response::Execution(Tag::new("SET")))
            }
            SettingStatement::Show { name } if name == "statement_timeout" => show_response(
                &name,
                format_timeout(statement_timeout(client, self.default_timeout)),
            ),
            SettingStatement::Show { name } if name == "server_version" => {
                show_response(&name, shape_udfs::pg_compat::server_version())
            }
            SettingStatement::Show { name } if name == "server_version_num" => {
                show_response(&name, shape_udfs::pg_compat::SERVER_VERSION_NUM.to_string())
            }
            SettingStatement::Show { name } => {
                let value = ctx
                    .state()
                    .config_options()
                    .entries()
                    .into_iter()
                    .find(|entry| entry.key == name)
                    .ok_or_else(|| {
                        sql_error(
                            "ERROR",
                            "42704",
                            format!("unrecognized configuration parameter \"{name}\""),
                        )
                    })?
                    .value
                    .unwrap_or_default();
                // An unpinned evaluation time follows the clock.
                let value = if name == "shape.as_of" && value.is_empty() {
                    "now".to_string()
                } else {
                    value
                };
                show_response(&name, value)
            }
        }
    }
}

/// The built-in value of an engine option, for `SET ... TO DEFAULT`.
fn default_option(name: &str) -> Option<String> {
    let defaults = shape_udfs::session_config();
    defaults
        .options()
        .entries()
        .into_iter()
        .find(|entry| entry.key == name)
        .and_then(|entry| entry.value)
}

#[async_trait::async_trait]
impl QueryHook for SessionSettingsHook {
    async fn handle_simple_query(
        &self,
        statement: &Statement,
        ctx: &SessionContext,
        client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        classify(statement).map(|s| self.apply(s, ctx, client))
    }

    async fn handle_extended_parse_query(
        &self,
        _statement: &Statement,
        _ctx: &SessionContext,
        _client: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        // datafusion-postgres' SET/SHOW hook plans these (no columns / one text column).
        None
    }

    async fn handle_extended_query(
        &self,
        statement: &Statement,
        _plan: &LogicalPlan,
        _params: &ParamValues,
        ctx: &SessionContext,
        client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        classify(statement).map(|s| self.apply(s, ctx, client))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_postgres() {
        assert_eq!(
            parse_pg_duration("5000").unwrap(),
            Some(Duration::from_millis(5000))
        );
        assert_eq!(
            parse_pg_duration("250ms").unwrap(),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            parse_pg_duration("60s").unwrap(),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_pg_duration("2min").unwrap(),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_pg_duration("0").unwrap(), None);
        assert!(parse_pg_duration("soon").is_err());
        assert!(parse_pg_duration("5 parsecs").is_err());
        assert_eq!(format_timeout(Some(Duration::from_secs(60))), "60s");
        assert_eq!(format_timeout(Some(Duration::from_millis(1500))), "1500ms");
        assert_eq!(format_timeout(None), "0");
    }
}
