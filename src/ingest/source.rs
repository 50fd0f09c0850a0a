//! Sources: resolving `SOURCE` arguments (files, directories, globs, `file://`, `s3://`) to
//! objects, and opening an object's decompressed bytes at an offset.

use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures::{StreamExt, TryStreamExt};
use object_store::path::Path as StorePath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt};

use super::encoding::newline_of;
use super::lines::Newline;
use super::IngestError;
use crate::storage::object_store_for;

/// One object to read.
#[derive(Debug, Clone)]
pub struct SourceObject {
    /// `file:///abs/path` or `s3://bucket/key`: what `_source` records.
    pub uri: String,
    /// Stored size in bytes (the compressed size for a compressed object).
    pub size: u64,
    /// How the object is compressed (its name's extension, or a local file's first bytes).
    pub compression: Option<Compression>,
    /// Last modification, microseconds since the epoch (when the store says): the year of
    /// year-less timestamps is taken from it.
    pub modified: Option<i64>,
    /// The object store's version tag (S3's ETag): changes whenever the object is written.
    pub e_tag: Option<String>,
    location: Location,
}

#[derive(Debug, Clone)]
enum Location {
    Local(PathBuf),
    Store(Arc<dyn ObjectStore>, StorePath),
}

fn has_glob(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// The compressions sources are read through: gzip (logrotate's default, most pipelines) and
/// zstd (logrotate's `compresscmd zstd`, Vector's and Fluent Bit's S3 outputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
}

impl Compression {
    /// By a name's extension: `.gz`, `.gzip`, `.zst`, `.zstd`.
    pub fn of_name(name: &str) -> Option<Compression> {
        let extension = name.rsplit_once('.').map_or("", |(_, e)| e);
        match extension {
            "gz" | "gzip" => Some(Compression::Gzip),
            "zst" | "zstd" => Some(Compression::Zstd),
            _ => None,
        }
    }

    /// By a stream's first bytes (its magic number).
    pub fn of_magic(first: &[u8]) -> Option<Compression> {
        match first {
            [0x1f, 0x8b, ..] => Some(Compression::Gzip),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Some(Compression::Zstd),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// Expands the command line's sources, in a stable order, without duplicates.
pub async fn resolve(args: &[String]) -> Result<Vec<SourceObject>, IngestError> {
    let mut objects: Vec<SourceObject> = Vec::new();
    for arg in args {
        let found = if arg.starts_with("s3://") {
            resolve_store(arg).await?
        } else {
            let path = arg.strip_prefix("file://").unwrap_or(arg);
            resolve_local(arg, path)?
        };
        if found.is_empty() {
            return Err(IngestError::NoSourceFound(arg.clone()));
        }
        for object in found {
            if !objects.iter().any(|o| o.uri == object.uri) {
                objects.push(object);
            }
        }
    }
    Ok(objects)
}

fn resolve_local(arg: &str, path: &str) -> Result<Vec<SourceObject>, IngestError> {
    let mut files = Vec::new();
    if has_glob(path) {
        let entries = glob::glob(path).map_err(|e| IngestError::BadSource {
            source_arg: arg.to_string(),
            message: format!("invalid glob: {e}"),
        })?;
        for entry in entries.flatten() {
            if entry.is_file() {
                files.push(entry);
            }
        }
    } else {
        let p = Path::new(path);
        let meta = std::fs::metadata(p).map_err(|e| IngestError::Unreadable {
            source_uri: arg.to_string(),
            message: e.to_string(),
        })?;
        if meta.is_dir() {
            walk_dir(p, &mut files).map_err(|e| IngestError::Unreadable {
                source_uri: arg.to_string(),
                message: e.to_string(),
            })?;
        } else {
            files.push(p.to_path_buf());
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|file| {
            // One name per file: `logs/../logs/a.log` and symlinks are the file they point
            // at, so they are never read twice.
            let absolute = std::fs::canonicalize(&file)
                .or_else(|_| std::path::absolute(&file))
                .unwrap_or(file);
            let meta = std::fs::metadata(&absolute).ok();
            let size = meta.as_ref().map_or(0, |m| m.len());
            let modified = meta
                .and_then(|m| m.modified().ok())
                .map(|t| chrono::DateTime::<chrono::Utc>::from(t).timestamp_micros());
            let compression = Compression::of_name(&absolute.to_string_lossy())
                .or_else(|| compression_by_magic(&absolute));
            Ok(SourceObject {
                uri: format!("file://{}", absolute.display()),
                size,
                compression,
                modified,
                e_tag: None,
                location: Location::Local(absolute),
            })
        })
        .collect()
}

fn compression_by_magic(path: &Path) -> Option<Compression> {
    let mut magic = [0u8; 4];
    let read = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut magic))
        .ok()?;
    Compression::of_magic(&magic[..read])
}

/// Every regular, non-hidden file below `dir`.
fn walk_dir(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk_dir(&path, out)?;
        } else if path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

async fn resolve_store(arg: &str) -> Result<Vec<SourceObject>, IngestError> {
    let listing = StoreListing::new(arg)?;
    match listing.exact_object().await? {
        Some(object) => Ok(vec![object]),
        None => listing.objects_after(None).await,
    }
}

/// The objects of one `s3://` source argument: a key, a prefix, or a glob over keys.
pub struct StoreListing {
    arg: String,
    store: Arc<dyn ObjectStore>,
    bucket_uri: String,
    key: StorePath,
    /// What is listed: the key for a prefix, the directory before the first wildcard for a
    /// glob (no trailing `/`).
    pub prefix: String,
    pattern: Option<glob::Pattern>,
}

impl StoreListing {
    pub fn new(arg: &str) -> Result<StoreListing, IngestError> {
        let (store, root, key) = object_store_for(arg)?;
        let key_text = key.as_ref().to_string();
        let (prefix, pattern) = if has_glob(&key_text) {
            let literal: String = key_text
                .chars()
                .take_while(|c| !"*?[".contains(*c))
                .collect();
            let dir = literal.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("");
            let pattern = glob::Pattern::new(&key_text).map_err(|e| IngestError::BadSource {
                source_arg: arg.to_string(),
                message: format!("invalid glob: {e}"),
            })?;
            (dir.to_string(), Some(pattern))
        } else {
            (key_text, None)
        };
        Ok(StoreListing {
            arg: arg.to_string(),
            store,
            bucket_uri: root.as_str().trim_end_matches('/').to_string(),
            key,
            prefix,
            pattern,
        })
    }

    fn unreadable(&self, e: object_store::Error) -> IngestError {
        IngestError::Unreadable {
            source_uri: self.arg.clone(),
            message: e.to_string(),
        }
    }

    fn object(&self, meta: object_store::ObjectMeta) -> SourceObject {
        SourceObject {
            uri: format!("{}/{}", self.bucket_uri, meta.location),
            size: meta.size,
            compression: Compression::of_name(meta.location.as_ref()),
            modified: Some(meta.last_modified.timestamp_micros()),
            e_tag: meta.e_tag,
            location: Location::Store(self.store.clone(), meta.location),
        }
    }

    /// Whether a listed key is one of the source's objects: it matches the glob, or (for a
    /// prefix) its name is not hidden.
    fn keeps(&self, location: &StorePath) -> bool {
        match &self.pattern {
            Some(pattern) => pattern.matches(location.as_ref()),
            None => !location
                .filename()
                .is_some_and(|name| name.starts_with('.')),
        }
    }

    fn listing(
        &self,
        start_after: Option<&str>,
    ) -> futures::stream::BoxStream<'static, object_store::Result<object_store::ObjectMeta>> {
        let prefix = (!self.prefix.is_empty()).then(|| StorePath::from(self.prefix.as_str()));
        match start_after {
            Some(after) => {
                let offset = StorePath::parse(after).unwrap_or_else(|_| StorePath::from(after));
                self.store.list_with_offset(prefix.as_ref(), &offset)
            }
            None => self.store.list(prefix.as_ref()),
        }
    }

    /// The object the source names when it is a key, not a prefix or glob (one request).
    pub async fn exact_object(&self) -> Result<Option<SourceObject>, IngestError> {
        if self.pattern.is_some() || self.key.as_ref().is_empty() || self.arg.ends_with('/') {
            return Ok(None);
        }
        self.object_at(self.key.as_ref()).await
    }

    /// The object at `key` in the source's bucket (one HEAD); `None` when there is none.
    pub async fn object_at(&self, key: &str) -> Result<Option<SourceObject>, IngestError> {
        let path = StorePath::parse(key).unwrap_or_else(|_| StorePath::from(key));
        match self.store.head(&path).await {
            Ok(meta) => Ok(Some(self.object(meta))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.unreadable(e)),
        }
    }

    /// The source's objects with keys after `start_after` (S3's `start-after`; all of them
    /// when `None`), in key order.
    pub async fn objects_after(
        &self,
        start_after: Option<&str>,
    ) -> Result<Vec<SourceObject>, IngestError> {
        let metas: Vec<_> = self
            .listing(start_after)
            .try_collect()
            .await
            .map_err(|e| self.unreadable(e))?;
        let mut found: Vec<_> = metas
            .into_iter()
            .filter(|m| self.keeps(&m.location))
            .map(|m| self.object(m))
            .collect();
        found.sort_by(|a, b| a.uri.cmp(&b.uri));
        Ok(found)
    }

    /// The source's first key: one request, whatever the prefix holds.
    pub async fn first_key(&self) -> Result<Option<String>, IngestError> {
        let first = self.listing(None).next().await.transpose();
        let first = first.map_err(|e| self.unreadable(e))?;
        Ok(first.map(|meta| meta.location.to_string()))
    }
}

/// Remembers why a decompressor stopped early, and shows the reader a clean end of stream,
/// so the lines before the damage are kept and the cut line is rejected with the reason.
#[derive(Debug, Clone, Default)]
pub struct DamageReport(Arc<Mutex<Option<String>>>);

impl DamageReport {
    pub fn get(&self) -> Option<String> {
        self.0.lock().expect("not poisoned").clone()
    }
}

struct GuardedDecoder<R> {
    inner: R,
    compression: Compression,
    report: DamageReport,
}

impl<R: Read> Read for GuardedDecoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                let mut slot = self.report.0.lock().expect("not poisoned");
                let codec = self.compression.name();
                slot.get_or_insert_with(|| format!("{codec} stream damaged: {e}"));
                Ok(0)
            }
        }
    }
}

impl SourceObject {
    /// The object's key in its bucket (`None` for a local file).
    pub fn key(&self) -> Option<&str> {
        match &self.location {
            Location::Store(_, path) => Some(path.as_ref()),
            Location::Local(_) => None,
        }
    }

    /// A plain local file written to within the last `quiet_secs`: a writer may still be
    /// appending to it (rotated, gzip and object-store sources are complete).
    pub fn may_still_grow(&self, quiet_secs: i64) -> bool {
        let local = matches!(self.location, Location::Local(_));
        let recent = self.modified.is_some_and(|modified| {
            chrono::Utc::now().timestamp_micros() - modified < quiet_secs * 1_000_000
        });
        local && !self.compressed() && recent
    }

    /// Read through a decompressor: sizes and offsets in the stored bytes mean nothing to
    /// the lines, and the object is read from its start.
    pub fn compressed(&self) -> bool {
        self.compression.is_some()
    }
}

impl SourceObject {
    /// The object's decompressed bytes from `offset` on. Call from a blocking thread.
    pub fn open_at(
        &self,
        offset: u64,
        runtime: &tokio::runtime::Handle,
    ) -> Result<(Box<dyn Read + Send>, DamageReport), IngestError> {
        let unreadable = |message: String| IngestError::Unreadable {
            source_uri: self.uri.clone(),
            message,
        };
        let report = DamageReport::default();
        // Compressed objects are read from their start and the first `offset` bytes skipped.
        let raw_offset = if self.compressed() { 0 } else { offset };
        let raw: Box<dyn Read + Send> = match &self.location {
            Location::Local(path) => {
                let mut file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
                file.seek(SeekFrom::Start(raw_offset))
                    .map_err(|e| unreadable(e.to_string()))?;
                Box::new(file)
            }
            Location::Store(store, key) => {
                let options = GetOptions {
                    range: (raw_offset > 0).then_some(GetRange::Offset(raw_offset)),
                    ..Default::default()
                };
                let result = runtime
                    .block_on(store.get_opts(key, options))
                    .map_err(|e| unreadable(e.to_string()))?;
                let stream = result.into_stream().map(|r| r.map_err(io::Error::other));
                let reader = tokio_util::io::StreamReader::new(stream);
                Box::new(tokio_util::io::SyncIoBridge::new_with_handle(
                    reader,
                    runtime.clone(),
                ))
            }
        };
        let Some(compression) = self.compression else {
            return Ok((raw, report));
        };
        let buffered = io::BufReader::with_capacity(1 << 20, raw);
        // Both read every member (frame) of a stream that was appended to.
        let decoder: Box<dyn Read + Send> = match compression {
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(buffered)),
            Compression::Zstd => Box::new(
                zstd::stream::read::Decoder::with_buffer(buffered)
                    .map_err(|e| unreadable(format!("zstd: {e}")))?,
            ),
        };
        let mut reader: Box<dyn Read + Send> = Box::new(GuardedDecoder {
            inner: decoder,
            compression,
            report: report.clone(),
        });
        let skipped = io::copy(&mut (&mut reader).take(offset), &mut io::sink())
            .map_err(|e| unreadable(e.to_string()))?;
        if skipped < offset {
            return Err(unreadable(format!(
                "decompressed stream is shorter ({skipped} bytes) than the committed offset {offset}"
            )));
        }
        Ok((reader, report))
    }

    /// Whether the object decompresses to at least `len` bytes (read through, not kept).
    pub fn holds_at_least(
        &self,
        len: u64,
        runtime: &tokio::runtime::Handle,
    ) -> Result<bool, IngestError> {
        let (reader, _) = self.open_at(0, runtime)?;
        let read = io::copy(&mut reader.take(len), &mut io::sink()).map_err(|e| {
            IngestError::Unreadable {
                source_uri: self.uri.clone(),
                message: e.to_string(),
            }
        })?;
        Ok(read == len)
    }

    /// The first `len` decompressed bytes (fewer if the object is shorter).
    pub fn read_prefix(
        &self,
        len: u64,
        runtime: &tokio::runtime::Handle,
    ) -> Result<Vec<u8>, IngestError> {
        let (reader, _) = self.open_at(0, runtime)?;
        let mut prefix = Vec::with_capacity(len as usize);
        reader
            .take(len)
            .read_to_end(&mut prefix)
            .map_err(|e| IngestError::Unreadable {
                source_uri: self.uri.clone(),
                message: e.to_string(),
            })?;
        Ok(prefix)
    }
}

/// The first bytes a reader passed on, kept as they go by: a source read from its start
/// needs no second request for its fingerprint.
#[derive(Debug, Clone, Default)]
pub struct FirstBytes(Arc<Mutex<Vec<u8>>>);

impl FirstBytes {
    /// `reader`, keeping its first `limit` bytes here.
    pub fn tap(&self, reader: Box<dyn Read + Send>, limit: usize) -> Box<dyn Read + Send> {
        Box::new(Tap {
            inner: reader,
            kept: self.clone(),
            limit,
        })
    }

    /// The bytes kept so far.
    pub fn taken(&self) -> Vec<u8> {
        self.0.lock().expect("not poisoned").clone()
    }
}

struct Tap {
    inner: Box<dyn Read + Send>,
    kept: FirstBytes,
    limit: usize,
}

impl Read for Tap {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.limit > 0 {
            let mut kept = self.kept.0.lock().expect("not poisoned");
            let room = self.limit.min(n);
            kept.extend_from_slice(&buf[..room]);
            self.limit -= room;
        }
        Ok(n)
    }
}

/// The bytes up to the first newline of `reader`, without it.
fn read_one_line(mut reader: impl io::BufRead, newline: Newline) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    loop {
        if reader.read_until(b'\n', &mut line)? == 0 || line.last() != Some(&b'\n') {
            return Ok(line);
        }
        let last = line.len() - 1;
        let ends = match newline {
            Newline::Byte => true,
            Newline::Utf16Be => last % 2 == 1 && line[last - 1] == 0,
            Newline::Utf16Le => {
                let mut next = [0u8; 1];
                let more = last % 2 == 0 && reader.read(&mut next)? == 1;
                if more {
                    line.push(next[0]);
                }
                more && next[0] == 0
            }
        };
        if ends {
            let unit = if newline == Newline::Byte { 1 } else { 2 };
            line.truncate(line.len() - unit);
            return Ok(line);
        }
    }
}

/// Reads back the line that starts at `offset` of the object `uri` (decompressing if needed):
/// the lineage round trip. Returns the line's bytes without its `\n`.
pub async fn read_line_at(uri: &str, offset: u64) -> Result<Vec<u8>, IngestError> {
    let objects = resolve(&[uri.to_string()]).await?;
    let object = objects
        .into_iter()
        .find(|o| o.uri == uri)
        .ok_or_else(|| IngestError::NoSourceFound(uri.to_string()))?;
    object.read_line(offset).await
}

impl SourceObject {
    /// The line that starts at `offset` (decompressed), without its `\n`.
    pub async fn read_line(&self, offset: u64) -> Result<Vec<u8>, IngestError> {
        let object = self.clone();
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let unreadable = |e: io::Error| IngestError::Unreadable {
                source_uri: object.uri.clone(),
                message: e.to_string(),
            };
            let (reader, _) = object.open_at(offset, &runtime)?;
            // A UTF-16 source (known by its byte order mark) ends its lines with 16-bit `\n`s.
            let (reader, head) = if offset == 0 {
                super::encoding::peek(reader, 2).map_err(unreadable)?
            } else {
                (reader, object.read_prefix(2, &runtime)?)
            };
            let newline = super::encoding::sniff(&head).map_or(Newline::Byte, newline_of);
            read_one_line(io::BufReader::new(reader), newline).map_err(unreadable)
        })
        .await
        .map_err(|e| IngestError::Worker(e.to_string()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_read_back_in_each_newline() {
        let read = |bytes: &[u8], newline| read_one_line(bytes, newline).unwrap();
        assert_eq!(read(b"a b\r\nc\n", Newline::Byte), b"a b\r");
        assert_eq!(read(b"last", Newline::Byte), b"last");
        let le: Vec<u8> = "a\u{0A0A}\u{010A}\nnext"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(read(&le, Newline::Utf16Le), &le[..6]);
        let be: Vec<u8> = "\u{0A00}b\nnext"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(read(&be, Newline::Utf16Be), &be[..4]);
        // No newline unit before the end: the whole rest.
        assert_eq!(read(&le[..7], Newline::Utf16Le), &le[..7]);
    }
}
