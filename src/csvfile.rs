//! The CSV files coordinators import (stations, rewards, categories, ...): a header row naming
//! every column, then one record per line. This module checks the shape (header, field count,
//! encoding) and hands each capability rows whose fields it can ask for by name; a field that
//! does not parse is reported by line, column and name.
//!
//! Files come from Excel and WPS as people save them: UTF-8 with or without a byte-order mark,
//! or, from "CSV (comma delimited)" on a Chinese Windows, GB18030/GBK. A file that is valid
//! UTF-8 is read as UTF-8; otherwise one that is valid GB18030 is read as that ([`Encoding`]
//! says which). Lines are the file's physical lines, whatever ends them (LF, CRLF or CR), with
//! blank lines and lines inside a quoted field counted, so "line 7" is where an editor shows it.

use std::borrow::Cow;

use csv::{ReaderBuilder, StringRecord, Trim};

/// The text encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// GB18030, which includes GBK and GB2312 (Excel's "CSV" on a Chinese Windows).
    Gb18030,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Gb18030 => "GB18030/GBK",
        }
    }
}

/// The file as UTF-8 text (without a byte-order mark), and what it was read as.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Encoding), CsvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(text), Encoding::Utf8));
    }
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok((Cow::Owned(text.into_owned()), Encoding::Gb18030)),
        None => {
            // Where GB18030 decoding fails: the first byte that is neither.
            let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
            let mut out = String::with_capacity(bytes.len() * 3 + 16);
            let (_, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
            let at = read.saturating_sub(1).min(bytes.len());
            Err(CsvError::Line {
                line: Lines::new(bytes).line_of(at),
                why: "is neither UTF-8 nor GB18030/GBK text (save the file as CSV UTF-8)".into(),
            })
        }
    }
}

/// Where each physical line of a text starts: a line ends at LF, CRLF or a lone CR.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &[u8]) -> Lines {
        let mut starts = vec![0];
        let mut i = 0;
        while i < text.len() {
            match text[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if text.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Lines { starts }
    }

    /// The 1-based line holding byte `offset`.
    fn line_of(&self, offset: usize) -> u64 {
        self.starts.partition_point(|start| *start <= offset) as u64
    }

    /// The line a record starts on, from the CSV reader's position: it points after the
    /// previous record's first terminator byte, before any blank lines it skipped.
    fn record_line(&self, text: &[u8], position: u64) -> u64 {
        let mut at = position as usize;
        while matches!(text.get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        self.line_of(at)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("the file is empty: its first line must be the header {header}")]
    Empty { header: String },
    #[error("line 1: column {missing} is missing (the header must be {header})")]
    MissingColumn { missing: String, header: String },
    #[error("line 1, column {col}: unknown column {name:?} (the header must be {header})")]
    UnknownColumn {
        col: usize,
        name: String,
        header: String,
    },
    #[error("line 1, column {col}: column {name} appears twice")]
    DuplicateColumn { col: usize, name: String },
    #[error("the file has a header but no rows")]
    NoRows,
    #[error("line {line}: {why}")]
    Line { line: u64, why: String },
    #[error("line {line}, column {col} ({name}): {why}")]
    Field {
        line: u64,
        col: usize,
        name: String,
        why: String,
    },
}

/// A file whose header has been checked against the expected columns.
#[derive(Debug)]
pub struct CsvFile {
    /// For each expected column, its position in the file.
    positions: Vec<usize>,
    columns: &'static [&'static str],
    rows: Vec<(u64, StringRecord)>,
}

/// One record, with its line number, read through the expected column names.
pub struct Row<'a> {
    file: &'a CsvFile,
    pub line: u64,
    record: &'a StringRecord,
}

impl CsvFile {
    /// Reads `bytes`, which must start with a header holding exactly `columns` (in any order).
    pub fn read(bytes: &[u8], columns: &'static [&'static str]) -> Result<CsvFile, CsvError> {
        let header = columns.join(",");
        let (text, _) = decode(bytes)?;
        let bytes = text.as_bytes();
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(CsvError::Empty { header });
        }
        let lines = Lines::new(bytes);
        // The reader's position is where it began looking for the record: after the previous
        // record's first terminator byte, before any blank lines it skipped.
        let line_of = |record: &StringRecord| {
            record
                .position()
                .map_or(0, |p| lines.record_line(bytes, p.byte()))
        };
        let mut reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(Trim::All)
            .from_reader(bytes);
        let mut records = reader.records();
        let first = match records.next() {
            Some(Ok(r)) => r,
            Some(Err(e)) => return Err(csv_error(e, &lines, bytes)),
            None => return Err(CsvError::Empty { header }),
        };
        for (i, name) in first.iter().enumerate() {
            if !columns.contains(&name) {
                return Err(CsvError::UnknownColumn {
                    col: i + 1,
                    name: name.to_owned(),
                    header,
                });
            }
            if first.iter().take(i).any(|n| n == name) {
                return Err(CsvError::DuplicateColumn {
                    col: i + 1,
                    name: name.to_owned(),
                });
            }
        }
        let mut positions = Vec::with_capacity(columns.len());
        for col in columns {
            match first.iter().position(|n| n == *col) {
                Some(p) => positions.push(p),
                None => {
                    return Err(CsvError::MissingColumn {
                        missing: (*col).to_owned(),
                        header,
                    })
                }
            }
        }
        let mut rows = Vec::new();
        for record in records {
            let record = record.map_err(|e| csv_error(e, &lines, bytes))?;
            let line = line_of(&record);
            // A blank line (or one of only commas) is skipped, as spreadsheets leave them.
            if record.iter().all(str::is_empty) {
                continue;
            }
            if record.len() != first.len() {
                return Err(CsvError::Line {
                    line,
                    why: format!(
                        "{} fields, but the header has {} (a comma inside a value needs \"quotes\")",
                        record.len(),
                        first.len()
                    ),
                });
            }
            rows.push((line, record));
        }
        if rows.is_empty() {
            return Err(CsvError::NoRows);
        }
        Ok(CsvFile {
            positions,
            columns,
            rows,
        })
    }

    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |(line, record)| Row {
            file: self,
            line: *line,
            record,
        })
    }
}

impl Row<'_> {
    fn index(&self, name: &str) -> usize {
        self.file
            .columns
            .iter()
            .position(|c| *c == name)
            .unwrap_or_else(|| panic!("column {name} is not one of this file's columns"))
    }

    /// The trimmed text of column `name` (a programming error if the file has no such column).
    pub fn get(&self, name: &str) -> &str {
        let pos = self.file.positions[self.index(name)];
        self.record.get(pos).unwrap_or_default()
    }

    /// The column's text, or `None` when it is empty.
    pub fn optional(&self, name: &str) -> Option<&str> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    /// An error about column `name` of this row.
    pub fn error(&self, name: &str, why: impl Into<String>) -> CsvError {
        CsvError::Field {
            line: self.line,
            col: self.file.positions[self.index(name)] + 1,
            name: name.to_owned(),
            why: why.into(),
        }
    }

    /// An error about the whole row.
    pub fn line_error(&self, why: impl Into<String>) -> CsvError {
        CsvError::Line {
            line: self.line,
            why: why.into(),
        }
    }

    /// Column `name`, required and at most `max` characters.
    pub fn text(&self, name: &str, max: usize) -> Result<&str, CsvError> {
        let v = self.get(name);
        if v.is_empty() {
            return Err(self.error(name, "is empty"));
        }
        self.check_len(name, v, max)?;
        Ok(v)
    }

    /// Column `name`, optional and at most `max` characters.
    pub fn optional_text(&self, name: &str, max: usize) -> Result<Option<&str>, CsvError> {
        match self.optional(name) {
            Some(v) => self.check_len(name, v, max).map(|_| Some(v)),
            None => Ok(None),
        }
    }

    /// Column `name` as a code (`parse` says what a code is), unique in the file: `seen` holds
    /// the codes of the rows before and their lines.
    pub fn unique_code<T: Clone + Eq + std::hash::Hash + std::fmt::Display>(
        &self,
        name: &str,
        seen: &mut std::collections::HashMap<T, u64>,
        parse: fn(&str) -> Option<T>,
    ) -> Result<T, CsvError> {
        let raw = self.get(name);
        let code = parse(raw).ok_or_else(|| {
            self.error(
                name,
                format!("{raw:?} is not a code (1-24 letters, digits, - or _)"),
            )
        })?;
        if let Some(first) = seen.insert(code.clone(), self.line) {
            return Err(self.error(name, format!("code {code} already appears on line {first}")));
        }
        Ok(code)
    }

    /// Column `name` as true or false (`true`/`false`, `1`/`0`, `yes`/`no`, `y`/`n`).
    pub fn flag(&self, name: &str) -> Result<bool, CsvError> {
        match self.get(name).to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "y" => Ok(true),
            "0" | "false" | "no" | "n" => Ok(false),
            other => Err(self.error(name, format!("{other:?} is not true or false (or 1 or 0)"))),
        }
    }

    /// Column `name` as a whole number in `range`.
    pub fn whole_number(
        &self,
        name: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64, CsvError> {
        let raw = self.get(name);
        raw.parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                self.error(
                    name,
                    format!(
                        "{raw:?} is not a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )
            })
    }

    fn check_len(&self, name: &str, v: &str, max: usize) -> Result<(), CsvError> {
        let n = v.chars().count();
        if n > max {
            return Err(self.error(name, format!("is {n} characters long; at most {max}")));
        }
        Ok(())
    }
}

fn csv_error(e: csv::Error, lines: &Lines, text: &[u8]) -> CsvError {
    let line = e
        .position()
        .map_or(0, |p| lines.record_line(text, p.byte()));
    let why = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not UTF-8 text (save the file as CSV UTF-8)".to_owned(),
        _ => e.to_string(),
    };
    CsvError::Line { line, why }
}

/// Why an import or export failed: the file (by line and column), or the database.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Csv(#[from] CsvError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Runs a capability's CSV writer into memory.
pub fn to_bytes(
    write: impl FnOnce(&mut Vec<u8>) -> Result<(), csv::Error>,
) -> Result<Vec<u8>, ImportError> {
    let mut out = Vec::new();
    write(&mut out).map_err(|e| {
        ImportError::Csv(CsvError::Line {
            line: 0,
            why: e.to_string(),
        })
    })?;
    Ok(out)
}

/// Writes `rows` under `columns` as CSV text.
/// How a true/false column is written.
pub fn flag(on: bool) -> String {
    if on { "true" } else { "false" }.to_owned()
}

pub fn write<W: std::io::Write>(
    out: W,
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(columns)?;
    for row in rows {
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[&str] = &["code", "name", "cost"];

    #[test]
    fn reads_columns_by_name_in_any_order_with_a_bom() {
        let file = CsvFile::read(b"\xEF\xBB\xBFcost,code,name\n5, A ,Water\n\n", COLS).unwrap();
        let rows: Vec<_> = file.rows().collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get("code"), "A");
        assert_eq!(rows[0].get("cost"), "5");
        assert_eq!(rows[0].line, 2);
        match rows[0].error("name", "bad") {
            CsvError::Field { line, col, .. } => assert_eq!((line, col), (2, 3)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn shape_errors_name_the_line() {
        assert!(matches!(
            CsvFile::read(b"", COLS),
            Err(CsvError::Empty { .. })
        ));
        assert!(matches!(
            CsvFile::read(b"\xEF\xBB\xBF\n", COLS),
            Err(CsvError::Empty { .. })
        ));
        assert!(matches!(
            CsvFile::read(b"code,name\nA,B\n", COLS),
            Err(CsvError::MissingColumn { ref missing, .. }) if missing == "cost"
        ));
        assert!(matches!(
            CsvFile::read(b"code,name,cost,extra\n", COLS),
            Err(CsvError::UnknownColumn { col: 4, .. })
        ));
        assert!(matches!(
            CsvFile::read(b"code,name,cost\n", COLS),
            Err(CsvError::NoRows)
        ));
        assert!(matches!(
            CsvFile::read(b"code,name,cost\nA,B,1\nC,D\n", COLS),
            Err(CsvError::Line { line: 3, .. })
        ));
        assert!(matches!(
            CsvFile::read(b"code,name,cost\nA,\xFF,1\n", COLS),
            Err(CsvError::Line { line: 2, .. })
        ));
    }

    /// The line an error names in `bytes` (a short row on the third record).
    fn short_row_line(bytes: &[u8]) -> u64 {
        match CsvFile::read(bytes, COLS) {
            Err(CsvError::Line { line, .. }) => line,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lines_are_the_files_physical_lines_whatever_ends_them() {
        assert_eq!(short_row_line(b"code,name,cost\nA,B,1\nC,D\n"), 3);
        assert_eq!(short_row_line(b"code,name,cost\r\nA,B,1\r\nC,D\r\n"), 3);
        assert_eq!(short_row_line(b"code,name,cost\rA,B,1\rC,D\r"), 3);
        assert_eq!(
            short_row_line(b"\xEF\xBB\xBFcode,name,cost\r\nA,B,1\r\nC,D\r\n"),
            3
        );
        // Blank lines count.
        assert_eq!(
            short_row_line(b"code,name,cost\r\n\r\nA,B,1\r\n\r\nC,D\r\n"),
            5
        );
        // A quoted value over two lines: the next record starts on line 4.
        assert_eq!(
            short_row_line(b"code,name,cost\r\nA,\"two\r\nlines\",1\r\nC,D\r\n"),
            4
        );
    }

    #[test]
    fn a_field_error_names_its_physical_line_and_column() {
        let file = CsvFile::read(
            b"code,name,cost\r\n\r\nA,B,1\r\nC,\"x\ry\",2\r\nE,F,x\r\n",
            COLS,
        )
        .unwrap();
        let rows: Vec<_> = file.rows().collect();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [3, 4, 6]);
        match rows[2].error("cost", "bad") {
            CsvError::Field { line, col, .. } => assert_eq!((line, col), (6, 3)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn gbk_files_are_read_and_say_so() {
        // "code,name,cost\r\nA,站点,1\r\n" as Excel saves it on a Chinese Windows.
        let (gbk, _, _) = encoding_rs::GBK.encode("code,name,cost\r\nA,站点,1\r\nB,驿站,x\r\n");
        let (text, encoding) = decode(&gbk).unwrap();
        assert_eq!(encoding, Encoding::Gb18030);
        assert!(text.contains("驿站"));
        let file = CsvFile::read(&gbk, COLS).unwrap();
        let rows: Vec<_> = file.rows().collect();
        assert_eq!(rows[0].get("name"), "站点");
        assert_eq!(rows[1].line, 3);
        assert_eq!(decode("站".as_bytes()).unwrap().1, Encoding::Utf8);
        // Neither: one clear line naming where it fails, past GBK text before it.
        assert!(matches!(
            decode(b"code\nA\n\xFF\xFF\xFF"),
            Err(CsvError::Line { line: 3, .. })
        ));
        let mut bad = gbk.to_vec();
        bad.extend_from_slice(b"C,\xFF\xFF,1\r\n");
        assert!(
            matches!(decode(&bad), Err(CsvError::Line { line: 4, .. })),
            "{:?}",
            decode(&bad).err()
        );
    }

    #[test]
    fn written_files_read_back() {
        let mut out = Vec::new();
        write(
            &mut out,
            COLS,
            [vec!["A".into(), "Water, cold".into(), "5".into()]],
        )
        .unwrap();
        let file = CsvFile::read(&out, COLS).unwrap();
        assert_eq!(file.rows().next().unwrap().get("name"), "Water, cold");
    }
}
