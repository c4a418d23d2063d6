//! Building an export file: rows streamed from one SQL statement (`store`), turned into cells
//! on the async side (`columns`), and written in batches through a small bounded channel by a
//! blocking writer (`spawn_blocking`) into a temporary file, so a million rows are never in
//! memory and never written on the async threads. The file is UTF-8 with a BOM (Excel and WPS
//! then read Chinese right) and CRLF line ends, one header row.
//!
//! A file larger than the limit a document may have is zipped (Windows opens a zip without
//! any other program); a zip still too large is refused. Every file is a [`TempFile`], removed
//! when dropped: after sending, and on any failure.
//!
//! [`build`] is public so a benchmark can call it with a pool and a request.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::db::Pool;
use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use futures::TryStreamExt;
use tokio::sync::mpsc;

use super::columns::{self, Format};
use super::domain::{ExportRequest, Phones, Table};
use super::store::{self, Bounds, Rows};

/// Rows per batch handed to the writer; at most [`BATCHES_IN_FLIGHT`] batches wait.
const BATCH: usize = 1024;
const BATCHES_IN_FLIGHT: usize = 4;

/// What to export, and as of when.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub request: ExportRequest,
    /// The district's time zone (`DISTRICT_TIMEZONE`): the period's days and every time.
    pub tz: Tz,
    pub now: DateTime<Utc>,
}

/// A file under the exports folder, removed when dropped.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
}

impl TempFile {
    fn new(dir: &Path, name: &str) -> TempFile {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        TempFile {
            path: dir.join(format!("{}-{n}-{name}", std::process::id())),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        match std::fs::remove_file(&self.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(error = %e, "an export's temporary file was not removed"),
        }
    }
}

/// A finished export, ready to send.
#[derive(Debug)]
pub struct Built {
    pub file: TempFile,
    /// The name the coordinator sees (`ledger-2026-11-01-to-2026-11-30.csv`, or `.zip`).
    pub name: String,
    /// Data rows (the header not counted).
    pub rows: u64,
    /// The size of the file sent.
    pub bytes: u64,
    pub zipped: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Even zipped, the file is larger than a document may be.
    #[error("{bytes} bytes zipped, more than a document may have")]
    TooLarge { bytes: u64 },
    #[error("the writer stopped: {0}")]
    Writer(String),
}

/// Builds `spec`'s file in `dir`: the CSV, zipped when larger than `limit` bytes.
pub async fn build(pool: &Pool, spec: &Spec, dir: &Path, limit: u64) -> Result<Built, BuildError> {
    tokio::fs::create_dir_all(dir).await?;
    let name = spec.request.file_name();
    let csv = TempFile::new(dir, &name);
    let (rows, bytes) = write_csv(pool, spec, csv.path()).await?;
    if bytes <= limit {
        return Ok(Built {
            file: csv,
            name,
            rows,
            bytes,
            zipped: false,
        });
    }
    let zip_name = format!("{}.zip", name.trim_end_matches(".csv"));
    let zip = TempFile::new(dir, &zip_name);
    let (from, to, at) = (csv.path().to_owned(), zip.path().to_owned(), spec.now);
    let local = at.with_timezone(&spec.tz).naive_local();
    let zipped = tokio::task::spawn_blocking(move || zip_into(&from, &to, &name, local))
        .await
        .map_err(|e| BuildError::Writer(e.to_string()))??;
    drop(csv);
    if zipped > limit {
        return Err(BuildError::TooLarge { bytes: zipped });
    }
    Ok(Built {
        file: zip,
        name: zip_name,
        rows,
        bytes: zipped,
        zipped: true,
    })
}

/// Writes the CSV of `spec` to `path`; returns the rows and bytes written.
pub async fn write_csv(pool: &Pool, spec: &Spec, path: &Path) -> Result<(u64, u64), BuildError> {
    let (tx, rx) = mpsc::channel(BATCHES_IN_FLIGHT);
    let header = columns::header(spec.request.table);
    let out = path.to_owned();
    let writer = tokio::task::spawn_blocking(move || write_rows(&out, header, rx));
    let pumped = pump(pool, spec, &tx).await;
    drop(tx);
    let written = writer
        .await
        .map_err(|e| BuildError::Writer(e.to_string()))?;
    // A writer that failed (a full disk) stopped the pump: its error is the one to tell.
    let written = written?;
    pumped?;
    Ok(written)
}

type Batch = Vec<Vec<String>>;

/// Reads the table's rows and hands them to the writer in batches.
async fn pump(pool: &Pool, spec: &Spec, tx: &mpsc::Sender<Batch>) -> Result<(), BuildError> {
    let mut conn = pool.acquire().await?;
    let request = spec.request;
    let f = Format {
        tz: spec.tz,
        phones: if request.phones {
            Phones::Full
        } else {
            Phones::Masked
        },
        now: spec.now,
    };
    let (start, end) = request.period.bounds(spec.tz);
    let b = Bounds::new(start, end);
    let c = &mut *conn;
    match request.table {
        Table::Reports => forward(store::reports(c, &b), |r| columns::report(r, &f), tx).await,
        Table::Riders => forward(store::riders(c, &b), |r| columns::rider_row(r, &f), tx).await,
        Table::Ledger => forward(store::ledger(c, &b), |r| columns::ledger(r, &f), tx).await,
        Table::Signups => forward(store::signups(c, &b), |r| columns::signup(r, &f), tx).await,
        Table::Visits => {
            let p = request.period;
            let (from, to) = if p.everything {
                (None, None)
            } else {
                (p.from.map(|d| d.to_string()), Some(p.to.to_string()))
            };
            forward(store::visits(c, from, to), |r| columns::visit(r, &f), tx).await
        }
        Table::Feedback => forward(store::feedback(c, &b), |r| columns::feedback(r, &f), tx).await,
    }
}

async fn forward<R>(
    mut rows: Rows<'_, R>,
    cells: impl Fn(R) -> Vec<String>,
    tx: &mpsc::Sender<Batch>,
) -> Result<(), BuildError> {
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(row) = rows.try_next().await? {
        batch.push(cells(row));
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if tx.send(full).await.is_err() {
                // The writer stopped; it says why.
                return Ok(());
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(batch).await;
    }
    Ok(())
}

/// The blocking writer: the BOM, the header, then every batch as it comes.
fn write_rows(
    path: &Path,
    header: &[&str],
    mut rx: mpsc::Receiver<Batch>,
) -> Result<(u64, u64), BuildError> {
    let mut out = BufWriter::with_capacity(256 * 1024, File::create(path)?);
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    csv.write_record(header)?;
    let mut rows = 0u64;
    while let Some(batch) = rx.blocking_recv() {
        for record in batch {
            csv.write_record(&record)?;
            rows += 1;
        }
    }
    let out = csv
        .into_inner()
        .map_err(|e| BuildError::Io(e.into_error()))?;
    let file = out
        .into_inner()
        .map_err(|e| BuildError::Io(e.into_error()))?;
    let bytes = file.metadata()?.len();
    Ok((rows, bytes))
}

/// Zips the CSV at `csv` (deflated, named `inner` inside) into `zip`; returns the zip's size.
fn zip_into(
    csv: &Path,
    zip: &Path,
    inner: &str,
    at: chrono::NaiveDateTime,
) -> Result<u64, BuildError> {
    use zip::write::SimpleFileOptions;
    let size = std::fs::metadata(csv)?.len();
    let mut options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(size >= u64::from(u32::MAX));
    if let Ok(stamp) = zip::DateTime::from_date_and_time(
        u16::try_from(at.year()).unwrap_or(1980),
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second() as u8,
    ) {
        options = options.last_modified_time(stamp);
    }
    let mut writer = zip::ZipWriter::new(BufWriter::new(File::create(zip)?));
    writer.start_file(inner, options)?;
    std::io::copy(&mut BufReader::new(File::open(csv)?), &mut writer)?;
    let out = writer.finish()?;
    let file = out
        .into_inner()
        .map_err(|e| BuildError::Io(e.into_error()))?;
    Ok(file.metadata()?.len())
}

/// Removes what an earlier process left in the exports folder (a crash or a kill while an
/// export was being made); this process's own files are its exports in progress.
pub fn clear_leftovers(dir: &Path) -> std::io::Result<usize> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(0);
    };
    let ours = format!("{}-", std::process::id());
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.metadata()?.is_file() && !name.starts_with(&ours) {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exports::domain::Period;
    use chrono::TimeZone;

    async fn pool() -> (crate::db::testing::Scratch, Pool) {
        let (dir, pool) = crate::db::testing::scratch().await;
        (dir, pool)
    }

    fn spec(table: Table) -> Spec {
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 4, 0, 0).unwrap();
        Spec {
            request: ExportRequest {
                table,
                period: Period {
                    from: None,
                    to: now.date_naive(),
                    everything: true,
                },
                phones: false,
            },
            tz: chrono_tz::Asia::Shanghai,
            now,
        }
    }

    async fn ledger_rows(pool: &Pool, n: i64) {
        sqlx::query("INSERT INTO users (id, created_at, updated_at) VALUES (1, 'x', 'x')")
            .execute(pool)
            .await
            .unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
             INSERT INTO ledger (rider_id, amount, kind, idem_key, reason, at)
             SELECT 1, 5, 'adjustment', 'k' || i, '=cmd()', '2026-11-30T04:00:00+00:00' FROM n",
        )
        .bind(n)
        .execute(pool)
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn a_file_has_the_bom_the_header_and_every_row_and_is_removed_when_dropped() {
        let (dir, pool) = pool().await;
        ledger_rows(&pool, 2500).await;
        let out = dir.dir.path().join("exports");
        let built = build(&pool, &spec(Table::Ledger), &out, u64::MAX)
            .await
            .unwrap();
        assert_eq!(built.rows, 2500);
        assert!(!built.zipped);
        assert_eq!(built.name, "ledger-all-2026-12-04.csv");
        let bytes = std::fs::read(built.file.path()).unwrap();
        assert_eq!(bytes.len() as u64, built.bytes);
        assert!(bytes.starts_with(b"\xEF\xBB\xBFentry_id,rider,amount,"));
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 2500);
        assert_eq!(&records[0][5], "'=cmd()");
        assert_eq!(&records[0][7], "2026-11-30 12:00:00");
        let path = built.file.path().to_owned();
        drop(built);
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn a_file_over_the_limit_is_zipped_and_a_zip_over_it_refused_leaving_nothing() {
        let (dir, pool) = pool().await;
        ledger_rows(&pool, 5000).await;
        let out = dir.dir.path().join("exports");
        let plain = build(&pool, &spec(Table::Ledger), &out, u64::MAX)
            .await
            .unwrap();
        let size = plain.bytes;
        drop(plain);
        let built = build(&pool, &spec(Table::Ledger), &out, size / 2)
            .await
            .unwrap();
        assert!(built.zipped);
        assert_eq!(built.name, "ledger-all-2026-12-04.zip");
        assert!(built.bytes < size / 2);
        let mut archive = zip::ZipArchive::new(File::open(built.file.path()).unwrap()).unwrap();
        assert_eq!(archive.len(), 1);
        let mut inner = archive.by_index(0).unwrap();
        assert_eq!(inner.name().unwrap(), "ledger-all-2026-12-04.csv");
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut inner, &mut text).unwrap();
        assert_eq!(text.len() as u64, size);
        drop(inner);
        drop(built);
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);

        let err = build(&pool, &spec(Table::Ledger), &out, 100)
            .await
            .unwrap_err();
        assert!(matches!(err, BuildError::TooLarge { .. }), "{err}");
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn an_empty_table_is_the_header_alone() {
        let (dir, pool) = pool().await;
        for table in Table::ALL {
            let built = build(&pool, &spec(table), dir.dir.path(), u64::MAX)
                .await
                .unwrap();
            assert_eq!(built.rows, 0, "{table:?}");
            let bytes = std::fs::read(built.file.path()).unwrap();
            let header = columns::header(table).join(",");
            assert_eq!(bytes, format!("\u{feff}{header}\r\n").as_bytes());
        }
    }
}
