//! Ingest: read sources line by line, parse, and commit `events`, `rejects` and `ingest_log`
//! rows with line-level lineage.
//!
//! Per source and run: find the last commit; if the object is the same version (its first
//! bytes hash the same) resume at the committed offset, else read it again from the start as a
//! new version; stream lines (bounded memory) through the parser; encode Parquet on a second
//! thread; stage files; commit (see `storage`). Small sources of a run commit together (see
//! `group`). Accounting: `lines = rows + rejects + blank`.

mod ansi;
mod attributes;
mod audit;
pub mod batch;
mod cef;
mod container;
mod csv;
pub mod cursor;
pub mod detect;
pub mod encoding;
pub mod follow;
pub mod formats;
mod group;
mod identity;
mod intake;
mod journald;
pub mod lines;
pub mod multiline;
mod names;
mod otlp;
mod panos;
pub mod parse;
pub mod pipeline;
pub mod queue;
mod records;
pub mod settings;
pub mod source;
mod syslog;
mod text;
mod timestamps;
mod values;
mod w3c;
mod winevent;

use std::sync::{Arc, Mutex};

use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};

use self::batch::IngestLogRow;
use self::group::{CommitGroup, Member};
use self::identity::{fingerprint_of, resume_point, KnownContent, Resume};
use self::intake::{Intake, IntakeEnd, SampledLine};
use self::lines::LineReader;
use self::multiline::{Joining, Limits};
use self::parse::{LineFormat, LineParser};
use self::pipeline::{Pipeline, Sink};
pub use self::settings::IngestConfig;
use self::source::SourceObject;
use crate::config::{Config, ConfigError};
use crate::storage::schema::{EVENTS, INGEST_LOG, REJECTS};
use crate::storage::writer::PartitionBy;
use crate::storage::{crash_point, CommitRecord, DataStore, PartitionedWriter, StorageError};

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("no source found for {0:?} (no such file, or an empty directory, glob or prefix)")]
    NoSourceFound(String),
    #[error("bad source {source_arg:?}: {message}")]
    BadSource { source_arg: String, message: String },
    #[error("cannot read {source_uri}: {message}")]
    Unreadable { source_uri: String, message: String },
    #[error("invalid settings for {source_uri}: {message}")]
    Settings { source_uri: String, message: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("ingest worker failed: {0}")]
    Worker(String),
}

/// Bytes hashed to recognise an object's version.
const FINGERPRINT_BYTES: u64 = 4096;

/// What happened to one source in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceStatus {
    /// Read for the first time.
    New,
    /// Read on from the last committed offset.
    Grown,
    /// Its first bytes changed since the last run: read again from the start as a new version.
    Replaced,
    /// It is shorter than what was read of it (`copytruncate`, or a shorter file under its
    /// name): read again from the start.
    Truncated,
    /// First seen under this name, with the first bytes of a source read before (renamed,
    /// rotated, compressed or copied): read on from where that one stopped.
    Renamed,
    /// Nothing new since the last commit.
    Unchanged,
}

#[derive(Debug, Clone)]
pub struct SourceReport {
    pub uri: String,
    pub status: SourceStatus,
    pub log: IngestLogRow,
    /// A few reject reasons with their line numbers, for the summary.
    pub sample_rejects: Vec<(u64, String)>,
    /// Set when a compressed stream was damaged: the lines before the damage were kept.
    pub damage: Option<String>,
    /// For a renamed source: the source it read on from.
    pub read_on_from: Option<String>,
    /// Lines at the end of a file still being written, left for the next run (the event
    /// they hold may grow: see `multiline_flush_after`).
    pub held_back: u64,
    /// The text encoding the source was decoded from, when not UTF-8.
    pub encoding: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct IngestReport {
    pub ingest_id: String,
    pub sources: Vec<SourceReport>,
    /// (commits rolled forward, staged files rolled back) by recovery at the start of the run.
    pub recovered: (usize, usize),
}

impl IngestReport {
    pub fn total(&self, field: impl Fn(&IngestLogRow) -> u64) -> u64 {
        self.sources.iter().map(|s| field(&s.log)).sum()
    }
}

/// Ingests `sources` into `store`. Errors of single sources are collected in the returned
/// list (other sources still run); a storage failure stops the run.
pub async fn ingest(
    store: &DataStore,
    config: &Config,
    sources: &[String],
    format: Option<&str>,
    show_progress: bool,
) -> Result<(IngestReport, Vec<IngestError>), IngestError> {
    let objects = source::resolve(sources).await?;
    ingest_objects(store, config, objects, format, show_progress).await
}

/// [`ingest`] of objects already resolved (the loop lists its sources its own way: see
/// `follow`).
pub async fn ingest_objects(
    store: &DataStore,
    config: &Config,
    objects: Vec<SourceObject>,
    format: Option<&str>,
    show_progress: bool,
) -> Result<(IngestReport, Vec<IngestError>), IngestError> {
    let config = IngestConfig::load(config)?;
    // A data dir inside the logs' directory (`--data-dir logs/shape`) is not a log.
    let mut objects = objects;
    objects.retain(|object| !store.holds(&object.uri));
    if let Some(format) = format {
        LineFormat::parse(format).map_err(|e| IngestError::Settings {
            source_uri: "--format".to_string(),
            message: e.to_string(),
        })?;
    }
    let lock = store.lock_for_writing().await?;
    let recovered = store.recover().await?;
    // After the recovery, under the lock: every committed run sorts before this one.
    let watermarks = store.rollup_watermarks().await?;
    let ingest_id = crate::storage::watermark::next_ingest_id(watermarks.newest());
    let progress = progress_bar(show_progress, objects.iter().map(|o| o.size).sum());
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    let config = Arc::new(config);
    let known = Arc::new(KnownContent::load(store).await?);
    let runtime = tokio::runtime::Handle::current();
    // Many small sources share their files and commits (see `group`); one alone gains
    // nothing by it.
    let grouping = objects.iter().filter(|o| group::is_small(o)).count() > 1;
    let mut groups_made = 0;
    let mut new_group = || {
        groups_made += 1;
        let commit_id = format!("{ingest_id}-group{groups_made:04}");
        CommitGroup::new(
            store,
            &runtime,
            &ingest_id,
            commit_id,
            config.ingest.row_group_rows,
        )
    };
    let mut group = grouping.then(&mut new_group);
    for (index, object) in objects.into_iter().enumerate() {
        let joins_group = group.is_some() && group::is_small(&object);
        let job = SourceJob {
            store: store.clone(),
            runtime: tokio::runtime::Handle::current(),
            object,
            config: config.clone(),
            format: format.map(str::to_string),
            known: known.clone(),
            ingest_id: ingest_id.clone(),
            commit_id: format!("{ingest_id}-{index:05}"),
            max_line_bytes: config.ingest.max_line_bytes,
            row_group_rows: config.ingest.row_group_rows,
            multiline: Limits {
                max_lines: config.ingest.multiline_max_lines,
                max_bytes: config.ingest.multiline_max_bytes,
            },
            flush_after_secs: config.ingest.flush_after_secs(),
            progress: progress.clone(),
            group: if joins_group { group.take() } else { None },
        };
        let (result, returned) = match tokio::task::spawn_blocking(move || job.run()).await {
            Ok(done) => done,
            Err(join) => (Err(IngestError::Worker(join.to_string())), None),
        };
        if joins_group {
            // A group lost with a panicked worker held only staged files: the next run's
            // recovery deletes them, and its members are read again.
            group = Some(returned.unwrap_or_else(&mut new_group));
        }
        match result {
            Ok(report) => reports.push(report),
            Err(IngestError::Storage(e)) => return Err(IngestError::Storage(e)),
            Err(e) => errors.push(e),
        }
        if group.as_ref().is_some_and(CommitGroup::is_full) {
            let full = group.replace(new_group()).expect("checked above");
            commit_group(full, store, &known).await?;
        }
    }
    if let Some(last) = group {
        commit_group(last, store, &known).await?;
    }
    progress.finish_and_clear();
    lock.release().await?;
    Ok((
        IngestReport {
            ingest_id,
            sources: reports,
            recovered,
        },
        errors,
    ))
}

/// Commits a group on a blocking thread (its writers stage what is still open).
async fn commit_group(
    group: CommitGroup,
    store: &DataStore,
    known: &Mutex<KnownContent>,
) -> Result<(), IngestError> {
    if group.is_empty() {
        return Ok(());
    }
    let (store_for_job, runtime) = (store.clone(), tokio::runtime::Handle::current());
    tokio::task::spawn_blocking(move || group.commit(&store_for_job, &runtime))
        .await
        .map_err(|e| IngestError::Worker(e.to_string()))??;
    known.lock().expect("not poisoned").clear_pending();
    Ok(())
}

/// Bytes, lines and rate on a terminal; hidden otherwise.
fn progress_bar(show: bool, total_bytes: u64) -> ProgressBar {
    if !show || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total_bytes);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
        )
        .expect("valid template"),
    );
    bar
}

/// Everything one source's ingest needs, moved onto a blocking thread.
struct SourceJob {
    store: DataStore,
    runtime: tokio::runtime::Handle,
    object: SourceObject,
    config: Arc<IngestConfig>,
    /// `--format`, over every setting.
    format: Option<String>,
    known: Arc<Mutex<KnownContent>>,
    ingest_id: String,
    commit_id: String,
    max_line_bytes: usize,
    row_group_rows: usize,
    multiline: Limits,
    flush_after_secs: i64,
    progress: ProgressBar,
    /// The run's open group, when this source joins it (see `group`); handed back.
    group: Option<CommitGroup>,
}

impl SourceJob {
    /// Reads the source; hands the group back whatever happened.
    fn run(mut self) -> (Result<SourceReport, IngestError>, Option<CommitGroup>) {
        let mut group = self.group.take();
        let result = self.read(group.as_mut());
        (result, group)
    }

    fn read(self, group: Option<&mut CommitGroup>) -> Result<SourceReport, IngestError> {
        let started_at = Utc::now().timestamp_micros();
        let uri = self.object.uri.clone();
        let resume = resume_point(&self.store, &self.runtime, &self.object, &self.known)?;
        let (status, start_offset, start_line) =
            (resume.status.clone(), resume.offset, resume.line);
        let mut log = IngestLogRow {
            ingest_id: self.ingest_id.clone(),
            source: uri.clone(),
            started_at_micros: started_at,
            finished_at_micros: started_at,
            from_offset: start_offset,
            to_offset: start_offset,
            lines: 0,
            rows: 0,
            rejects: 0,
            blank: 0,
            version: String::new(),
            format: String::new(),
            continued: 0,
            extra_records: 0,
        };
        let unchanged = |log: IngestLogRow| SourceReport {
            uri: uri.clone(),
            status: SourceStatus::Unchanged,
            log,
            sample_rejects: vec![],
            damage: None,
            read_on_from: resume.read_on_from.clone(),
            held_back: 0,
            encoding: None,
        };
        let reads_on = matches!(status, SourceStatus::Grown | SourceStatus::Renamed);
        if reads_on && !self.object.compressed() && self.object.size == start_offset {
            self.progress.inc(self.object.size);
            return Ok(unchanged(log));
        }
        // Made only for a source with something to read: it compiles the source's patterns.
        let parser = self.parser(resume.first_name.as_deref())?;

        let (reader, damage) = self.object.open_at(start_offset, &self.runtime)?;
        let first_bytes = source::FirstBytes::default();
        let reader = first_bytes.tap(reader, FINGERPRINT_BYTES as usize);
        let (reader, encoding) =
            self.encoding(reader, start_offset, resume.first_name.as_deref())?;
        let mut decoder = encoding::LineDecoder::new(encoding);
        let mut lines = LineReader::new(reader, start_line, start_offset, self.max_line_bytes)
            .with_newline(encoding::newline_of(encoding));
        let mut bytes_since_tick = 0u64;
        // The first lines choose the format (and whether lines join into events); they are
        // kept until it is known.
        let mut sample: Vec<SampledLine> = Vec::new();
        let mut intake: Option<Intake> = None;
        loop {
            let line = match lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) => {
                    return Err(IngestError::Unreadable {
                        source_uri: uri.clone(),
                        message: format!("{e} (after line {})", lines.position().0 - 1),
                    })
                }
            };
            log.lines += 1;
            bytes_since_tick += line.full_len + 1;
            let text = decoder.decode(line.bytes);
            let content_len = lines::content_of(text).len();
            let reject = self.reader_reject(&line, text, damage.get());
            let Some(started) = intake.as_mut() else {
                sample.push(SampledLine {
                    bytes: text.to_vec(),
                    content_len,
                    number: line.number,
                    offset: line.offset,
                    reject,
                });
                if sample.len() >= detect::SAMPLE_LINES {
                    let grouped = group.is_some();
                    intake = Some(self.start_intake(&parser, &sample, &resume, &mut log, grouped)?);
                }
                continue;
            };
            if started.accept(text, content_len, line.number, line.offset, reject)? {
                self.progress.inc(std::mem::take(&mut bytes_since_tick));
                self.progress.set_message(format!("{} lines", log.lines));
            }
        }
        self.progress.inc(bytes_since_tick);
        let intake = match intake {
            Some(started) => started,
            None => {
                let grouped = group.is_some();
                self.start_intake(&parser, &sample, &resume, &mut log, grouped)?
            }
        };
        let hold = self.flush_after_secs > 0 && self.object.may_still_grow(self.flush_after_secs);
        let IntakeEnd {
            result,
            blank,
            held,
            w3c_fields,
        } = intake.finish(hold)?;
        log.blank = blank;
        let mut staged = result.staged;
        let (held_events, held_rejects) = result.held;
        let sample_rejects = result.sample_rejects;
        log.rejects = result.rejects;
        let rows_appended = result.rows;

        let (mut next_line, mut to_offset) = lines.position();
        // The open event of a file that may still grow is read again by the next run.
        let mut held_back = 0;
        if let Some((held_line, held_offset)) = held {
            held_back = next_line - held_line;
            log.lines -= held_back;
            (next_line, to_offset) = (held_line, held_offset);
        }
        // Rows and rejects beyond the first of a line's records share that line.
        log.extra_records = result.extra_records;
        log.continued = result.lines + result.extra_records - result.rows - result.rejects;
        let damage = damage.get();
        if log.lines == 0 {
            if let Some(why) = damage {
                return Err(IngestError::Unreadable {
                    source_uri: uri,
                    message: why,
                });
            }
            if reads_on {
                return Ok(unchanged(log));
            }
            // A new (or replaced) empty object still gets its ingest_log row.
        }
        log.rows = rows_appended;
        let staged_rows: u64 = staged
            .iter()
            .filter(|f| f.final_path.starts_with(&format!("{EVENTS}/")))
            .map(|f| f.rows as u64)
            .chain(held_events.iter().map(|b| b.num_rows() as u64))
            .sum();
        if staged_rows != log.rows
            || log.lines + log.extra_records != log.rows + log.rejects + log.blank + log.continued
        {
            return Err(IngestError::Worker(format!(
                "accounting mismatch for {uri}: {} lines, {} rows parsed, {staged_rows} rows written, {} rejects, {} blank, {} continued, {} extra records",
                log.lines, log.rows, log.rejects, log.blank, log.continued, log.extra_records
            )));
        }
        log.to_offset = to_offset;
        let fingerprint_len = to_offset.min(FINGERPRINT_BYTES);
        // Read from the start, the first bytes passed through the tap: no second request.
        let tapped = first_bytes.taken();
        let prefix = if start_offset == 0 && tapped.len() as u64 >= fingerprint_len {
            tapped[..fingerprint_len as usize].to_vec()
        } else {
            self.object.read_prefix(fingerprint_len, &self.runtime)?
        };
        log.version = fingerprint_of(&prefix);
        log.finished_at_micros = Utc::now().timestamp_micros();

        let mut record = CommitRecord {
            commit_id: self.commit_id.clone(),
            ingest_id: self.ingest_id.clone(),
            source: uri.clone(),
            fingerprint: log.version.clone(),
            fingerprint_len,
            from_offset: start_offset,
            to_offset,
            next_line,
            files: Vec::new(),
            format: Some(log.format.clone()),
            first_name: resume.first_name.clone(),
            w3c_fields: w3c_fields.map(|names| String::from_utf8_lossy(&names).into_owned()),
            e_tag: self.object.e_tag.clone(),
            members: Vec::new(),
        };
        let report = SourceReport {
            uri,
            status,
            log,
            sample_rejects,
            damage,
            read_on_from: resume.read_on_from,
            held_back,
            encoding: (!decoder.is_identity()).then(|| decoder.name()),
        };
        if let Some(group) = group {
            self.known
                .lock()
                .expect("not poisoned")
                .add_pending(&record);
            group.add(Member {
                events: held_events,
                rejects: held_rejects,
                log: report.log.to_batch(),
                record,
                source_bytes: to_offset - start_offset,
            })?;
            return Ok(report);
        }
        let mut log_writer = self.writer(
            INGEST_LOG,
            PartitionBy::Fixed(started_at.div_euclid(86_400_000_000)),
        );
        log_writer.write(&report.log.to_batch())?;
        staged.extend(log_writer.finish()?);
        crash_point("after_stage");
        record.files = staged.into_iter().map(|f| f.final_path).collect();
        self.runtime.block_on(self.store.commit(&record))?;
        (self.known.lock().expect("not poisoned")).add((fingerprint_len, record.fingerprint));
        Ok(report)
    }

    /// What the reader alone can decide about a line; everything else is the parsers' job.
    /// `text` is the line decoded to UTF-8.
    fn reader_reject(
        &self,
        line: &lines::Line,
        text: &[u8],
        damage: Option<String>,
    ) -> Option<String> {
        if line.is_truncated() {
            return Some(format!(
                "line is {} bytes, longer than max_line_bytes ({}); its first {} bytes are \
                 kept here, the whole line is at this offset in the source",
                line.full_len,
                self.max_line_bytes,
                line.bytes.len()
            ));
        }
        let blank = lines::is_blank(lines::content_of(text));
        match (line.terminated || blank, damage) {
            (false, Some(why)) => {
                Some(format!("{why}: the last line before the damage is cut off"))
            }
            _ => None,
        }
    }

    /// The intake for this source: its parser's format (unless configured or known from the
    /// source's last commit) and numeric dates' order chosen from `sample`, its first lines,
    /// which go in first.
    fn start_intake(
        &self,
        parser: &LineParser,
        sample: &[SampledLine],
        resume: &Resume,
        log: &mut IngestLogRow,
        grouped: bool,
    ) -> Result<Intake, IngestError> {
        let parser = parser.for_source(&self.object.uri, self.object.modified);
        let known = resume.format.as_deref();
        let contents: Vec<&[u8]> = sample
            .iter()
            .filter(|line| line.reject.is_none())
            .map(|line| &line.bytes[..line.content_len])
            .collect();
        let parser = match (parser.format(), known.map(LineFormat::parse_recorded)) {
            (LineFormat::Auto, Some(Ok((format, untimed))))
                if !matches!(format, LineFormat::Auto) =>
            {
                parser.with_detected_format(format, untimed)
            }
            (LineFormat::Auto, _) => {
                let choice = detect::choose_format(&parser, &contents);
                parser.with_detected_format(choice.format, choice.untimed)
            }
            _ => parser,
        };
        let parser = parser.with_date_order_of(&contents);
        log.format = parser.format_label();
        let parser_format = parser.format().clone();
        let joining =
            Joining::for_source(parser.format(), parser.multiline_rule(), parser.untimed());
        let today = Utc::now().timestamp_micros().div_euclid(86_400_000_000);
        let (events, rejects) = if grouped {
            (Sink::Held(Vec::new()), Sink::Held(Vec::new()))
        } else {
            (
                Sink::Files(Box::new(
                    self.writer(EVENTS, PartitionBy::TimestampColumn(0)),
                )),
                Sink::Files(Box::new(self.writer(REJECTS, PartitionBy::Fixed(today)))),
            )
        };
        let pipeline = Pipeline::start(
            Arc::new(parser),
            Arc::from(self.object.uri.as_str()),
            Arc::from(self.ingest_id.as_str()),
            events,
            rejects,
        );
        let csv = matches!(parser_format, LineFormat::Csv);
        let w3c_fields = matches!(parser_format, LineFormat::W3c | LineFormat::Csv).then(|| {
            resume
                .w3c_fields
                .as_ref()
                .map(|names| names.as_bytes().to_vec())
        });
        let mut intake = Intake::new(pipeline, joining, self.multiline, w3c_fields, csv)
            .with_csv_preamble(sample);
        for line in sample {
            intake.accept(
                &line.bytes,
                line.content_len,
                line.number,
                line.offset,
                line.reject.clone(),
            )?;
        }
        Ok(intake)
    }

    /// The source's parser: its `[[source]]` settings (those of its first name when it was
    /// renamed), `--format` over them.
    /// The reader of the source's text and its encoding: as configured, else UTF-16 when the
    /// source starts with a byte order mark (looked for in the stream when reading from the
    /// start: no second request for an object in a store), else UTF-8.
    fn encoding(
        &self,
        reader: Box<dyn std::io::Read + Send>,
        start_offset: u64,
        first_name: Option<&str>,
    ) -> Result<
        (
            Box<dyn std::io::Read + Send>,
            &'static encoding_rs::Encoding,
        ),
        IngestError,
    > {
        let uri = &self.object.uri;
        let (settings, _) = self.config.settings_for_source(uri, first_name);
        if let Some(label) = &settings.encoding {
            let configured =
                encoding::for_label(label).map_err(|message| IngestError::Settings {
                    source_uri: uri.clone(),
                    message,
                })?;
            return Ok((reader, configured));
        }
        let unreadable = |e: std::io::Error| IngestError::Unreadable {
            source_uri: uri.clone(),
            message: e.to_string(),
        };
        let (reader, head) = if start_offset == 0 {
            encoding::peek(reader, 2).map_err(unreadable)?
        } else {
            (reader, self.object.read_prefix(2, &self.runtime)?)
        };
        Ok((reader, encoding::sniff(&head).unwrap_or(encoding_rs::UTF_8)))
    }

    fn parser(&self, first_name: Option<&str>) -> Result<LineParser, IngestError> {
        let uri = &self.object.uri;
        let (mut settings, service) = self.config.settings_for_source(uri, first_name);
        if let Some(format) = &self.format {
            settings.format = Some(format.clone());
        }
        LineParser::new(&settings, service, &self.config.component_rules).map_err(|e| {
            IngestError::Settings {
                source_uri: uri.clone(),
                message: e.to_string(),
            }
        })
    }

    fn writer(&self, table: &str, partition_by: PartitionBy) -> PartitionedWriter {
        PartitionedWriter::new(
            self.store.clone(),
            self.runtime.clone(),
            table,
            &self.object.uri,
            &self.commit_id,
            partition_by,
            self.row_group_rows,
        )
    }
}

/// Shared by the CLI and the demo: a readable accounting of a run. `shape` is how to call
/// SHAPE on this data dir (`shape --data-dir /x`), for the commands the report suggests.
pub fn format_report(report: &IngestReport, shape: &str) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "ingest {}", report.ingest_id);
    if report.recovered != (0, 0) {
        let _ = writeln!(
            out,
            "recovered an interrupted run: {} commit(s) completed, {} staged file(s) discarded",
            report.recovered.0, report.recovered.1
        );
    }
    let _ = writeln!(
        out,
        "{:<10} {:<14} {:>10} {:>10} {:>9} {:>7} {:>12}  source",
        "status", "format", "lines", "rows", "rejects", "blank", "bytes"
    );
    for s in &report.sources {
        let status = match s.status {
            SourceStatus::New => "new",
            SourceStatus::Grown => "grown",
            SourceStatus::Replaced => "replaced",
            SourceStatus::Truncated => "truncated",
            SourceStatus::Renamed => "renamed",
            SourceStatus::Unchanged => "unchanged",
        };
        let _ = writeln!(
            out,
            "{:<10} {:<14} {:>10} {:>10} {:>9} {:>7} {:>12}  {}",
            status,
            if s.log.format.is_empty() {
                "-"
            } else {
                &s.log.format
            },
            s.log.lines,
            s.log.rows,
            s.log.rejects,
            s.log.blank,
            s.log.to_offset - s.log.from_offset,
            s.uri
        );
        if let Some(damage) = &s.damage {
            let _ = writeln!(out, "  warning: {damage}; the lines before it were kept");
        }
        if let Some(earlier) = &s.read_on_from {
            let _ = writeln!(
                out,
                "  same first bytes as {earlier}: read on from byte {}",
                s.log.from_offset
            );
        }
        for (line, reason) in &s.sample_rejects {
            let _ = writeln!(out, "  reject line {line}: {reason}");
        }
        if s.log.format.ends_with(" untimed") {
            let _ = writeln!(
                out,
                "  no time in its lines: each event takes the source's modification time (attributes.ts_from)"
            );
        }
        if let Some(encoding) = s.encoding {
            let _ = writeln!(
                out,
                "  read as {encoding}, decoded to UTF-8 (_offset counts the source's own bytes)"
            );
        }
        if s.held_back > 0 {
            let _ = writeln!(
                out,
                "  held back: the last {} line(s), an event the file may still be adding lines to (written to in the last multiline_flush_after); the next ingest reads them, or run with --set ingest.multiline_flush_after=0",
                s.held_back
            );
        }
    }
    let (lines, rows, rejects, blank) = (
        report.total(|l| l.lines),
        report.total(|l| l.rows),
        report.total(|l| l.rejects),
        report.total(|l| l.blank),
    );
    let _ = write!(
        out,
        "total: {lines} lines = {rows} rows + {rejects} rejects + {blank} blank"
    );
    let (continued, extra) = (
        report.total(|l| l.continued),
        report.total(|l| l.extra_records),
    );
    if continued > 0 {
        let _ = write!(
            out,
            " + {continued} continued (joined into multi-line rows)"
        );
    }
    if extra > 0 {
        let _ = write!(out, " - {extra} further records of lines holding several");
    }
    let _ = writeln!(out);
    if rejects > 0 {
        let _ = writeln!(
            out,
            "warning: {rejects} line(s) rejected; see them with: {shape} query \"SELECT _source, _line, error FROM rejects WHERE _ingest_id = '{}'\"",
            report.ingest_id
        );
    }
    out
}
